package nfsclient

import (
	"errors"
	"fmt"
	"io/fs"
	"net"
	"path"
	"slices"
	"strings"
	"time"

	"github.com/nfsmail/nfsmail/nfs3"
	"github.com/nfsmail/nfsmail/vfs"
)

// Clock is the time source of a host: virtual time in simulations.
type Clock interface {
	// Now is the time since the start of the run.
	Now() time.Duration
	// Charge spends d of the calling process's time (an RPC round trip).
	Charge(d time.Duration)
	// Sleep blocks the calling process for d (waiting for a lock).
	Sleep(d time.Duration)
}

// Config describes one mount.
type Config struct {
	Host    string  // AUTH_SYS machine name and lock owner prefix
	Export  string  // the MOUNT path; "" means "/"
	Options Options // the zero value means DefaultOptions()
	Clock   Clock
	// OnRPC, if set, is told of every RPC sent ("GETATTR"; a retransmission
	// is marked with a trailing "*"), for traces and step-by-step tests.
	OnRPC func(name string)
	// NoSillyRename turns the model's silly rename off, for a caller that
	// does it itself from better knowledge of what is open (the FUSE view
	// knows the kernel's opens; its releases arrive after the unlink).
	NoSillyRename bool
}

// Mount is one host's mounted NFS export.
type Mount struct {
	t           *transport
	opts        Options
	clock       Clock
	host        string
	root        *inode
	inodes      map[string]*inode
	dentries    map[dkey]dentry
	op          uint64 // sequence number of the current vfs operation
	retransmits int
	resends     int    // writes sent again after a write verifier changed
	verf        uint64 // EXCLUSIVE create verifier sequence
	locks       lockTable
	onRPC       func(name string)
	fileID      uint64 // open files so far: lock owners
	nlmHeld     map[*file]nlmHeld
	nlmCookie   uint64
	// nlmUnlocks are UNLOCKs the server refused in its grace period; the
	// lock is gone locally, and they are sent again every graceWait.
	nlmUnlocks []pendingUnlock
	nsmState   int32 // the status monitor's state number: odd while up
	silly      int   // silly-renamed files so far
	noSilly    bool
}

var (
	_ vfs.FS        = (*Mount)(nil)
	_ vfs.LinkFS    = (*Mount)(nil)
	_ vfs.ChtimesFS = (*Mount)(nil)
)

// Dial mounts cfg.Export over conn. The Mount owns conn from now on.
func Dial(conn net.Conn, cfg Config) (*Mount, error) {
	if cfg.Clock == nil {
		return nil, errors.New("nfsclient: Config.Clock is required")
	}
	if cfg.Options == (Options{}) {
		cfg.Options = DefaultOptions()
	}
	if cfg.Export == "" {
		cfg.Export = "/"
	}
	m := &Mount{
		t: newTransport(conn, cfg.Host, 0), opts: cfg.Options, clock: cfg.Clock, host: cfg.Host,
		inodes: map[string]*inode{}, dentries: map[dkey]dentry{}, onRPC: cfg.OnRPC, nsmState: 1,
		noSilly: cfg.NoSillyRename,
	}
	if m.opts.NoAC {
		m.opts.ACRegMin, m.opts.ACRegMax, m.opts.ACDirMin, m.opts.ACDirMax = 0, 0, 0, 0
	}
	fh, err := m.mnt(cfg.Export)
	if err != nil {
		conn.Close()
		return nil, err
	}
	m.root = m.inode(fh)
	if err := m.getattr(m.root, true); err != nil {
		conn.Close()
		return nil, fmt.Errorf("nfsclient: mount %s: %w", cfg.Export, err)
	}
	return m, nil
}

func (m *Mount) mnt(export string) ([]byte, error) {
	d, err := m.rpc(nfs3.ProgMount, nfs3.VersMount, nfs3.MountProcMnt, "MNT", func(e *nfs3.Encoder) {
		e.String(export)
	})
	if err != nil {
		return nil, fmt.Errorf("nfsclient: mount %s: %w", export, err)
	}
	if st := nfs3.Status(d.Uint32()); st != nfs3.OK {
		return nil, fmt.Errorf("nfsclient: mount %s: %w", export, nfs3.StatusError(st))
	}
	fh := append([]byte(nil), d.Opaque(64)...)
	return fh, d.Err()
}

// Close unmounts: dirty data of open files is lost, as when a host dies.
func (m *Mount) Close() error { return m.t.close() }

// Options returns the mount options in force.
func (m *Mount) Options() Options { return m.opts }

// Counts returns the number of RPCs sent, by procedure name.
func (m *Mount) Counts() map[string]int {
	out := make(map[string]int, len(m.t.counts))
	for k, v := range m.t.counts {
		out[k] = v
	}
	return out
}

// Crash loses what a client reboot loses: every cache, dirty pages not yet
// written back, and host-local locks. The mount stays usable, as after the
// host came back and mounted again.
func (m *Mount) Crash() {
	m.DropCaches()
	m.locks = lockTable{}
	m.nlmUnlocks = nil // the rebooted lockd forgets them; FREE_ALL frees the locks
	if !m.opts.NoLock {
		m.rebooted()
	}
}

// DropCaches forgets every cached attribute, name and page (echo 3 >
// drop_caches, or a fresh mount). Dirty data is discarded.
func (m *Mount) DropCaches() {
	for _, ino := range m.inodes {
		ino.attrAt = never
		ino.dropData()
		ino.wbuf = nil
	}
	clear(m.dentries)
}

// rpc sends one call and waits for its reply. A lost reply is waited for
// timeo (growing by timeo per retry, at most 600 s) and the same request is
// retransmitted: hard mounts retry forever, soft ones fail with EIO after
// retrans retransmissions. The server may execute a retransmitted
// non-idempotent request twice; what it answers the second time is what the
// caller sees, as on a real client without a duplicate request cache.
func (m *Mount) rpc(prog, vers, proc uint32, name string, args func(e *nfs3.Encoder)) (*nfs3.Decoder, error) {
	rec, xid := m.t.encode(prog, vers, proc, args)
	for try := 0; ; try++ {
		m.clock.Charge(m.opts.RTT)
		if m.onRPC != nil {
			m.onRPC(name + strings.Repeat("*", min(try, 1)))
		}
		if err := m.t.send(name, rec); err != nil {
			return nil, err
		}
		d, err := m.t.recv(name, xid)
		if !errors.Is(err, errNoReply) {
			return d, err
		}
		if try == 0 {
			// other processes of this host use the transport while this
			// one waits to retransmit: keep a copy of the call
			rec = slices.Clone(rec)
		}
		m.retransmits++
		m.clock.Sleep(min(m.opts.Timeo*time.Duration(try+1), maxTimeo))
		if m.opts.Soft && try >= m.opts.Retrans {
			return nil, fmt.Errorf("rpc %s: %w: server not responding, timed out", name, vfs.ErrIO)
		}
	}
}

// SetOnRPC replaces Config.OnRPC.
func (m *Mount) SetOnRPC(fn func(name string)) { m.onRPC = fn }

// Retransmits counts the requests this mount sent again after a lost reply.
func (m *Mount) Retransmits() int { return m.retransmits }

// Resends counts write sequences sent again because the server's write
// verifier changed (it restarted and may have lost unstable data).
func (m *Mount) Resends() int { return m.resends }

// nfs calls an NFSv3 procedure and decodes its status.
func (m *Mount) nfs(proc nfs3.Proc, args func(e *nfs3.Encoder)) (*nfs3.Decoder, nfs3.Status, error) {
	d, err := m.rpc(nfs3.ProgNFS, nfs3.VersNFS, uint32(proc), proc.String(), args)
	if err != nil {
		return nil, 0, fmt.Errorf("%w: %w", vfs.ErrIO, err)
	}
	return d, nfs3.Status(d.Uint32()), nil
}

// begin starts a vfs operation (attributes fetched during one operation are
// not fetched again by it).
func (m *Mount) begin() { m.op++ }

// split cleans name and splits it into components; "." is the root.
func split(name string) ([]string, error) {
	name = path.Clean("/" + name)
	if name == "/" {
		return nil, nil
	}
	parts := strings.Split(name[1:], "/")
	for _, p := range parts {
		if p == ".." {
			return nil, fs.ErrInvalid
		}
	}
	return parts, nil
}

// walk resolves the directory holding name's last component.
func (m *Mount) walkParent(name string) (*inode, string, error) {
	parts, err := split(name)
	if err != nil {
		return nil, "", err
	}
	if len(parts) == 0 {
		return nil, "", fs.ErrInvalid
	}
	dir, err := m.walk(parts[:len(parts)-1])
	return dir, parts[len(parts)-1], err
}

// walk looks up each component from the root.
func (m *Mount) walk(parts []string) (*inode, error) {
	cur := m.root
	for _, p := range parts {
		next, err := m.lookup(cur, p, false)
		if err != nil {
			return nil, err
		}
		if !next.attr.IsDir() {
			return nil, vfs.ErrNotDir
		}
		cur = next
	}
	return cur, nil
}

// resolve walks to name itself.
func (m *Mount) resolve(name string) (*inode, error) {
	parts, err := split(name)
	if err != nil {
		return nil, err
	}
	if len(parts) == 0 {
		return m.root, nil
	}
	dir, err := m.walk(parts[:len(parts)-1])
	if err != nil {
		return nil, err
	}
	return m.lookup(dir, parts[len(parts)-1], false)
}

// retryStale runs fn and, if it hit a stale handle, drops the lookup cache
// and runs it once more: the Linux VFS retries a path walk once with forced
// revalidation on ESTALE.
func (m *Mount) retryStale(fn func() error) error {
	err := fn()
	if errors.Is(err, vfs.ErrStale) {
		clear(m.dentries)
		err = fn()
	}
	return err
}

func pathErr(op, name string, err error) error {
	if err == nil {
		return nil
	}
	return &fs.PathError{Op: op, Path: name, Err: err}
}
