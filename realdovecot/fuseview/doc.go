// Package fuseview serves one simulated host's view of the NFS store — any
// vfs.FS, in practice a harness/nfsclient Mount — as a real Linux file
// system through FUSE (github.com/hanwen/go-fuse/v2), so unmodified programs
// such as Dovecot run on the simulated NFS client.
//
// The kernel must not add a cache of its own: entry, negative-entry and
// attribute timeouts are zero, so every stat and every path walk reaches the
// model; the kernel page cache is dropped on every open and, because the
// kernel revalidates attributes before every read (auto_inval_data) against
// the model, it never holds pages the model would not serve. Writes go
// through at once (no writeback cache). mmap works (MAP_PRIVATE and
// MAP_SHARED) and, as on a real NFS client, a mapping shows pages until a
// changed attribute is seen — which is why Dovecot wants mmap_disable=yes.
//
// POSIX (fcntl) locks and flock reach the model (EnableLocks) and become
// whole-file vfs.Lock calls on the open file: Dovecot only takes whole-file
// locks (l_start = 0, l_len = 0); a byte-range request is widened to the
// whole file and counted in View.Counts. F_GETLK always answers "unlocked".
// Ownership and permission bits are not modelled: every object is reported
// as owned by Options.UID/GID, chmod and chown succeed without effect, and
// the kernel does no permission checks (no default_permissions).
//
// # Usage
//
//	ser := fuseview.NewSerial()
//	var m *nfsclient.Mount
//	ser.Do(func() { m, err = nfsclient.Dial(conn, nfsclient.Config{Host: "backend1", Clock: ser, ...}) })
//	v, err := fuseview.Mount("/mnt/b1", m, ser, fuseview.Options{UID: 5000, GID: 5000})
//	defer v.Unmount()
//
// Every call into the vfs.FS is made holding the Serial's mutex, one at a
// time (a Mount is not safe for concurrent use); a blocking lock wait sleeps
// through Serial.Sleep, which releases the mutex while sleeping.
//
// # Determinism
//
// None: the view runs in wall-clock time. Serial.Now is the wall-clock time
// since the Serial was made, and Serial.Charge does not sleep (an RPC costs
// what the in-process round trip costs), so cache timeouts such as actimeo
// elapse in real seconds.
//
// # Faults
//
// vfs errors become the errno vfs.Errno names (ESTALE, EIO, ENOLCK, ...).
// Symlinks, mknod and extended attributes are not supported (EPERM,
// ENOTSUP). If the process serving the view dies, the mount point answers
// ENOTCONN until it is unmounted (fusermount3 -u or umount -l).
package fuseview
