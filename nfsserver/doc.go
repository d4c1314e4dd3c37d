// Package nfsserver is the simulated NFSv3 server: github.com/willscott/go-nfs
// serving a simfs store, behind a dispatcher of our own.
//
// What it simulates: a Linux-like NFSv3 server whose file handles name
// inodes (8-byte inode number + 8-byte generation), so handles survive
// rename and answer NFS3ERR_STALE after the last unlink; MOUNT with a real
// EXPORT list; and RPC counts per client host and procedure.
//
// The dispatcher (conn.go) sits between each client connection and go-nfs.
// It reads RPC records itself (RFC 5531 record marking, multi-fragment
// records joined), counts every call, rejects wrong RPC/program versions,
// unknown programs and procedures with correct RPC errors, checks the
// leading arguments of forwarded calls (GARBAGE_ARGS instead of a huge
// allocation in go-nfs's decoder) and answers some procedures itself — one
// file per procedure, listed in route.go:
//
//   - MOUNT EXPORT, DUMP, UMNTALL (missing in go-nfs)
//   - NFS LINK (go-nfs decodes it wrongly)
//   - NFS SETATTR (go-nfs takes SET_TO_SERVER_TIME from time.Now)
//
// Everything else goes to go-nfs unchanged; its replies pass back through
// the dispatcher, which fixes go-nfs's off-by-one accept_stat numbering.
//
// # Usage
//
//	store := simfs.New(simfs.Options{Now: clock.Now})
//	srv := nfsserver.New(store, nfsserver.Options{WriteVerifier: verf})
//	defer srv.Close()
//	conn, err := srv.Dial("host1") // in-memory; speak ONC RPC on it
//	...
//	fmt.Println(srv.Stats().Count("host1", "NFS", "WRITE"))
//
// Serve(l) accepts real connections (TCP) for `nfsmail serve`.
//
// # Determinism
//
// Handles, file ids and timestamps come from simfs (sequential inode
// numbers, the caller's clock); the write verifier from Options; readdir
// cookie verifiers are hashes of the listing; statistics are sorted. go-nfs
// runs goroutines per connection, so replies are reproducible only when the
// caller keeps one RPC in flight at a time, as the simulation does. go-nfs's
// process-wide logger is silenced on first use of New.
//
// # Faults
//
// None yet. The dispatcher is where they will go: it sees every request
// and every reply record, so lost replies, delays and injected errors can
// be applied per call.
//
// # Known gaps (inherited from go-nfs for the procedures it serves)
//
// Attributes report atime = ctime = mtime (ctime-only changes such as
// rename, link or chmod are invisible on the wire) and Go's mode type bits;
// WRITE always answers FILE_SYNC and COMMIT does nothing; CREATE EXCLUSIVE
// answers NFS3ERR_NOTSUPP; GUARDED CREATE and MKDIR are check-then-act;
// REMOVE and RMDIR share code (RMDIR removes files) and map ENOTEMPTY to
// NFS3ERR_IO, as does RENAME.
package nfsserver
