package fuseview

import (
	"context"
	"errors"
	"io"
	"io/fs"
	"math"
	"syscall"

	gofs "github.com/hanwen/go-fuse/v2/fs"
	"github.com/hanwen/go-fuse/v2/fuse"

	"github.com/nfsmail/nfsmail/vfs"
)

// handle is one open file: a vfs.File opened with the same flags.
type handle struct {
	v        *View
	n        *node
	f        vfs.File
	append   bool
	writable bool
	dirty    bool // written since the last flush
	locked   bool // holds a lock
}

var (
	_ gofs.FileReader   = (*handle)(nil)
	_ gofs.FileWriter   = (*handle)(nil)
	_ gofs.FileFlusher  = (*handle)(nil)
	_ gofs.FileFsyncer  = (*handle)(nil)
	_ gofs.FileReleaser = (*handle)(nil)
	_ gofs.FileGetlker  = (*handle)(nil)
	_ gofs.FileSetlker  = (*handle)(nil)
	_ gofs.FileSetlkwer = (*handle)(nil)
)

// vfsFlags keeps the open flags the model understands.
func vfsFlags(flags uint32) int {
	f := int(flags) & (syscall.O_ACCMODE | syscall.O_APPEND | syscall.O_TRUNC | syscall.O_CREAT | syscall.O_EXCL)
	return f
}

// newHandle wraps f, an open of n; called under ser.
func (v *View) newHandle(n *node, f vfs.File, flags int) *handle {
	acc := flags & syscall.O_ACCMODE
	n.opens++
	return &handle{v: v, n: n, f: f, append: flags&syscall.O_APPEND != 0, writable: acc == syscall.O_WRONLY || acc == syscall.O_RDWR}
}

// Open opens the file in the model (close-to-open revalidation happens
// there). The kernel's page cache for the file is dropped (no KEEP_CACHE).
func (n *node) Open(ctx context.Context, flags uint32) (gofs.FileHandle, uint32, syscall.Errno) {
	fl := vfsFlags(flags) &^ (syscall.O_CREAT | syscall.O_EXCL)
	var f vfs.File
	var err error
	var h *handle
	n.do(func() {
		if f, err = n.v.fsys.OpenFile(n.path(), fl, 0); err == nil {
			h = n.v.newHandle(n, f, fl)
		}
	})
	if err != nil {
		return nil, 0, n.v.errno(err)
	}
	return h, 0, 0
}

// Create creates and opens name; O_EXCL is decided by the server.
func (n *node) Create(ctx context.Context, name string, flags uint32, mode uint32, out *fuse.EntryOut) (*gofs.Inode, gofs.FileHandle, uint32, syscall.Errno) {
	fl := vfsFlags(flags) | syscall.O_CREAT
	var f vfs.File
	var fi fs.FileInfo
	var err error
	n.do(func() {
		if f, err = n.v.fsys.OpenFile(n.child(name), fl, fs.FileMode(mode&0o7777)); err != nil {
			return
		}
		if fi, err = f.Stat(); err != nil {
			f.Close()
		}
	})
	if err != nil {
		return nil, nil, 0, n.v.errno(err)
	}
	n.v.entry(fi, out)
	n.v.created(ctx)
	ch := n.newChild(ctx, fi)
	cn, ok := ch.Operations().(*node)
	if !ok {
		cn = &node{v: n.v}
	}
	var h *handle
	n.v.ser.Do(func() { h = n.v.newHandle(cn, f, fl) })
	return ch, h, 0, 0
}

func (h *handle) do(fn func()) {
	h.v.ops.Add(1)
	h.v.ser.Do(fn)
}

func (h *handle) Read(ctx context.Context, dest []byte, off int64) (fuse.ReadResult, syscall.Errno) {
	var n int
	var err error
	h.do(func() { n, err = h.f.ReadAt(dest, off) })
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, h.v.errno(err)
	}
	return fuse.ReadResultData(dest[:n]), 0
}

// Write writes at off, or with O_APPEND at the end of the file as the model
// knows it (the kernel's own idea of the size is ignored).
func (h *handle) Write(ctx context.Context, data []byte, off int64) (uint32, syscall.Errno) {
	var n int
	var err error
	h.do(func() {
		if h.append {
			n, err = h.f.Write(data)
		} else {
			n, err = h.f.WriteAt(data, off)
		}
		h.dirty = h.dirty || n > 0
	})
	if err != nil {
		return uint32(n), h.v.errno(err)
	}
	return uint32(n), 0
}

// Flush runs on every close(2) of a descriptor: like an NFS client's
// close, it writes back and commits dirty data (a clean file costs
// nothing), and drops the locks taken through the descriptor, as closing
// any descriptor of a file drops the process's fcntl locks on it.
func (h *handle) Flush(ctx context.Context) syscall.Errno {
	var err error
	h.do(func() {
		if h.locked {
			_ = vfs.Lock(h.f, vfs.Unlock, false)
			h.locked = false
		}
		if h.dirty {
			err = h.f.Sync()
			h.dirty = false
		}
	})
	return h.v.errno(err)
}

func (h *handle) Fsync(ctx context.Context, flags uint32) syscall.Errno {
	var err error
	h.do(func() {
		err = h.f.Sync()
		h.dirty = false
	})
	return h.v.errno(err)
}

// Release closes the model's file, dropping its locks.
func (h *handle) Release(ctx context.Context) syscall.Errno {
	var err error
	h.do(func() {
		err = h.f.Close()
		h.n.closed()
	})
	if errors.Is(err, fs.ErrClosed) {
		return 0
	}
	return h.v.errno(err)
}

// Getlk answers "unlocked": the model cannot test a lock without taking it.
func (h *handle) Getlk(ctx context.Context, owner uint64, lk *fuse.FileLock, flags uint32, out *fuse.FileLock) syscall.Errno {
	*out = *lk
	out.Typ = syscall.F_UNLCK
	return 0
}

func (h *handle) Setlk(ctx context.Context, owner uint64, lk *fuse.FileLock, flags uint32) syscall.Errno {
	return h.lock(lk, flags, false)
}

func (h *handle) Setlkw(ctx context.Context, owner uint64, lk *fuse.FileLock, flags uint32) syscall.Errno {
	h.v.lockWaits.Add(1)
	return h.lock(lk, flags, true)
}

// lock maps an fcntl or flock request to a whole-file vfs.Lock. A blocking
// wait sleeps through Serial.Sleep, releasing the view meanwhile.
func (h *handle) lock(lk *fuse.FileLock, flags uint32, wait bool) syscall.Errno {
	h.v.locks.Add(1)
	if flags&fuse.FUSE_LK_FLOCK == 0 && lk.Typ != syscall.F_UNLCK && (lk.Start != 0 || (lk.End != math.MaxUint64 && lk.End != math.MaxInt64)) {
		h.v.rangeLocks.Add(1)
	}
	var typ vfs.LockType
	switch lk.Typ {
	case syscall.F_RDLCK:
		typ = vfs.ReadLock
	case syscall.F_WRLCK:
		typ = vfs.WriteLock
	case syscall.F_UNLCK:
		typ = vfs.Unlock
	default:
		return syscall.EINVAL
	}
	var err error
	h.do(func() {
		if err = vfs.Lock(h.f, typ, wait); err == nil {
			h.locked = typ != vfs.Unlock
		}
	})
	if errors.Is(err, vfs.ErrWouldBlock) {
		h.v.wouldBlock.Add(1)
		return syscall.EAGAIN
	}
	return h.v.errno(err)
}
