package realdovecot

import (
	"fmt"
	"net"
	"strings"
	"time"

	"github.com/nfsmail/nfsmail/harness/nfsclient"
	"github.com/nfsmail/nfsmail/nfsserver"
	"github.com/nfsmail/nfsmail/nfsserver/simfs"
	"github.com/nfsmail/nfsmail/realdovecot/fuseview"
	"github.com/nfsmail/nfsmail/vfs"
)

// Store is an in-process simulated NFS server running in wall-clock time:
// server timestamps are the machine's time.
type Store struct {
	fsys *simfs.FS
	srv  *nfsserver.Server
}

// NewStore starts an empty in-process server.
func NewStore() *Store {
	fsys := simfs.New(simfs.Options{Now: time.Now})
	return &Store{fsys: fsys, srv: nfsserver.New(fsys, nfsserver.Options{})}
}

// WriteTo copies what the server holds to dir as an ordinary tree (the
// server's view: data still in a client's write-back cache is not there).
func (s *Store) WriteTo(dir string) error { return s.fsys.WriteTo(dir) }

// Server is the NFS server (for Stats, or Serve on a TCP listener).
func (s *Store) Server() *nfsserver.Server { return s.srv }

// Dialer connects one host to the store.
func (s *Store) Dialer(host string) func() (net.Conn, error) {
	return func() (net.Conn, error) { return s.srv.Dial(host) }
}

// Close stops the server.
func (s *Store) Close() error { return s.srv.Close() }

// TCPDialer connects to an `nfsmail serve` server at addr.
func TCPDialer(addr string) func() (net.Conn, error) {
	return func() (net.Conn, error) { return net.DialTimeout("tcp", addr, 10*time.Second) }
}

// ViewConfig describes one host's FUSE view.
type ViewConfig struct {
	Host      string // NFS client name (lock owner, stats key)
	Dir       string // mount point
	MountOpts string // Linux NFS mount options, "" = defaults
	Export    string // "" = "/"
	UID, GID  uint32 // owner shown for every file
	Dial      func() (net.Conn, error)
	DebugFUSE bool
}

// HostView is one simulated host's NFS client served through FUSE.
type HostView struct {
	Host  string
	ser   *fuseview.Serial
	mount *nfsclient.Mount
	view  *fuseview.View
}

// MountView dials the server, mounts the export with the nfsclient model in
// wall-clock time and serves it at cfg.Dir.
func MountView(cfg ViewConfig) (*HostView, error) {
	opts, err := nfsclient.ParseOptions(cfg.MountOpts)
	if err != nil {
		return nil, fmt.Errorf("realdovecot: view %s: %w", cfg.Host, err)
	}
	conn, err := cfg.Dial()
	if err != nil {
		return nil, fmt.Errorf("realdovecot: view %s: dial: %w", cfg.Host, err)
	}
	h := &HostView{Host: cfg.Host, ser: fuseview.NewSerial()}
	h.ser.Do(func() {
		// The view silly-renames itself (fuseview/silly.go): it sees the
		// kernel's opens, whose releases arrive after the unlink.
		h.mount, err = nfsclient.Dial(conn, nfsclient.Config{Host: cfg.Host, Export: cfg.Export, Options: opts,
			Clock: h.ser, NoSillyRename: true})
	})
	if err != nil {
		return nil, fmt.Errorf("realdovecot: view %s: %w", cfg.Host, err)
	}
	h.view, err = fuseview.Mount(cfg.Dir, h.mount, h.ser, fuseview.Options{
		UID: cfg.UID, GID: cfg.GID, Name: "nfsmail:" + cfg.Host, Debug: cfg.DebugFUSE,
	})
	if err != nil {
		h.mount.Close()
		return nil, fmt.Errorf("realdovecot: view %s: %w", cfg.Host, err)
	}
	return h, nil
}

// Dir is the mount point.
func (h *HostView) Dir() string { return h.view.Dir() }

// Options are the mount options in force.
func (h *HostView) Options() nfsclient.Options {
	var o nfsclient.Options
	h.ser.Do(func() { o = h.mount.Options() })
	return o
}

// RPCs returns the RPCs this host sent, by procedure.
func (h *HostView) RPCs() map[string]int {
	var c map[string]int
	h.ser.Do(func() { c = h.mount.Counts() })
	return c
}

// FUSECounts returns what passed through the FUSE view.
func (h *HostView) FUSECounts() map[string]int64 { return h.view.Counts() }

// Close unmounts the view and the NFS mount.
func (h *HostView) Close() error {
	err := h.view.Unmount()
	h.ser.Do(func() { h.mount.Close() })
	return err
}

// locksWork probes whether fcntl locks work on the view's mount (they fail
// with ENOLCK on a lock-mounted host while the model has no NLM service).
func (h *HostView) locksWork() bool {
	ok := false
	h.ser.Do(func() {
		name := ".nfsmail-lockprobe-" + h.Host
		f, err := h.mount.OpenFile(name, vfs.O_RDWR|vfs.O_CREATE, 0o600)
		if err != nil {
			return
		}
		ok = vfs.Lock(f, vfs.WriteLock, false) == nil
		if ok {
			_ = vfs.Lock(f, vfs.Unlock, false)
		}
		f.Close()
		_ = h.mount.Remove(name)
	})
	return ok
}

// mountLocking mounts cfg and, if locks fail there (no NLM in the model
// yet), mounts it again with nolock. It reports whether it did.
func mountLocking(cfg ViewConfig) (*HostView, bool, error) {
	h, err := MountView(cfg)
	if err != nil || h.locksWork() {
		return h, false, err
	}
	if err := h.Close(); err != nil {
		return nil, false, err
	}
	cfg.MountOpts = strings.TrimPrefix(cfg.MountOpts+",nolock", ",")
	h, err = MountView(cfg)
	return h, true, err
}
