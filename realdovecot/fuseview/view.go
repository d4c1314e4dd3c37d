package fuseview

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"syscall"
	"time"

	gofs "github.com/hanwen/go-fuse/v2/fs"
	"github.com/hanwen/go-fuse/v2/fuse"

	"github.com/nfsmail/nfsmail/vfs"
)

// Options configure a view.
type Options struct {
	// UID and GID own every file and directory the view shows.
	UID, GID uint32
	// Name appears as the file system's source in /proc/mounts
	// ("nfsmail:backend1"); "" means "nfsmail".
	Name string
	// Debug logs every FUSE request to stderr.
	Debug bool
}

// View is one mounted FUSE view of a vfs.FS.
type View struct {
	dir    string
	fsys   vfs.FS
	ser    *Serial
	opts   Options
	server *fuse.Server
	root   *node
	silly  uint32 // silly-rename sequence (under ser)
	// sillyLive counts silly names not removed yet (under ser).
	sillyLive int

	ops, locks, rangeLocks, lockWaits, wouldBlock, errs atomic.Int64
	// rootCreates and userCreates count creating opens (O_CREAT),
	// directories and links made by callers with uid 0 and by everyone
	// else (root_squash would change the first kind only).
	rootCreates, userCreates atomic.Int64
}

// Mount serves fsys at dir (an existing empty directory) until Unmount. The
// caller must be root (a direct mount) and /dev/fuse must exist. Every call
// into fsys is made under ser.
func Mount(dir string, fsys vfs.FS, ser *Serial, opts Options) (*View, error) {
	if ser == nil {
		return nil, errors.New("fuseview: a Serial is required")
	}
	if opts.Name == "" {
		opts.Name = "nfsmail"
	}
	v := &View{dir: dir, fsys: fsys, ser: ser, opts: opts}
	v.root = &node{v: v}
	zero := time.Duration(0)
	server, err := gofs.Mount(dir, v.root, &gofs.Options{
		MountOptions: fuse.MountOptions{
			AllowOther:         true,
			DirectMount:        true,
			EnableLocks:        true,
			DisableXAttrs:      true,
			DisableReadDirPlus: true,
			FsName:             opts.Name,
			Name:               "nfsmail",
			Debug:              opts.Debug,
		},
		EntryTimeout:    &zero,
		AttrTimeout:     &zero,
		NegativeTimeout: &zero,
		UID:             opts.UID,
		GID:             opts.GID,
	})
	if err != nil {
		return nil, fmt.Errorf("fuseview: mount %s: %w", dir, err)
	}
	v.server = server
	return v, nil
}

// Dir is the mount point.
func (v *View) Dir() string { return v.dir }

// Counts returns what passed through the view so far.
func (v *View) Counts() map[string]int64 {
	return map[string]int64{
		"ops": v.ops.Load(), "locks": v.locks.Load(), "range_locks": v.rangeLocks.Load(),
		"lock_waits": v.lockWaits.Load(), "would_block": v.wouldBlock.Load(), "errors": v.errs.Load(),
		"root_creates": v.rootCreates.Load(), "user_creates": v.userCreates.Load(),
	}
}

// created counts a new name made by ctx's caller.
func (v *View) created(ctx context.Context) {
	if c, ok := fuse.FromContext(ctx); ok && c.Uid == 0 {
		v.rootCreates.Add(1)
		return
	}
	v.userCreates.Add(1)
}

// Unmount detaches the view. If files are still open the kernel refuses a
// plain unmount; the view is then detached lazily (umount -l) so the mount
// point is free at once.
func (v *View) Unmount() error {
	err := v.server.Unmount()
	if err != nil {
		if lerr := syscall.Unmount(v.dir, syscall.MNT_DETACH); lerr != nil {
			return fmt.Errorf("fuseview: unmount %s: %w (lazy: %v)", v.dir, err, lerr)
		}
	}
	v.server.Wait()
	return nil
}

// Wait blocks until the view is unmounted (by Unmount or by fusermount3 -u).
func (v *View) Wait() { v.server.Wait() }

// errno maps a vfs error to the errno the caller sees, counting it.
func (v *View) errno(err error) syscall.Errno {
	if err == nil {
		return 0
	}
	v.errs.Add(1)
	return vfs.Errno(err)
}
