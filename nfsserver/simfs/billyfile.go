package simfs

import (
	"io"
	"io/fs"
	"os"

	billy "github.com/go-git/go-billy/v5"
	"github.com/nfsmail/nfsmail/vfs"
)

// Create creates or truncates p (os.Create).
func (b *Billy) Create(p string) (billy.File, error) {
	return b.OpenFile(p, os.O_RDWR|os.O_CREATE|os.O_TRUNC, 0o666)
}

// Open opens p read-only.
func (b *Billy) Open(p string) (billy.File, error) {
	return b.OpenFile(p, os.O_RDONLY, 0)
}

// OpenFile opens p with os-style flags. O_CREATE makes a missing file with
// perm (no umask); O_CREATE|O_EXCL fails with fs.ErrExist if p exists;
// O_EXCL alone is ignored (go-nfs opens O_WRONLY|O_EXCL to truncate);
// O_TRUNC with write access empties the file and sets mtime and ctime.
// The File reads and writes the shared inode, not a copy.
func (b *Billy) OpenFile(p string, flag int, perm os.FileMode) (billy.File, error) {
	var n *inode
	err := b.locked(func(f *FS) error {
		var err error
		n, err = f.open(p, flag, perm)
		return err
	})
	if err != nil {
		return nil, rePath("open", p, err)
	}
	return &billyFile{fs: b.fs, n: n, name: p, flag: flag}, nil
}

func (f *FS) open(p string, flag int, perm os.FileMode) (*inode, error) {
	write := flag&(os.O_WRONLY|os.O_RDWR) != 0
	var n *inode
	var err error
	if flag&os.O_CREATE != 0 {
		var d *inode
		var name string
		if d, name, err = f.parent("open", p); err != nil {
			return nil, err
		}
		n, err = f.create(d.ino, name, perm, flag&os.O_EXCL != 0)
	} else {
		n, err = f.walk("open", split(p))
	}
	if err != nil {
		return nil, err
	}
	switch {
	case n.typ == TypeDir && (write || flag&os.O_TRUNC != 0):
		return nil, vfs.ErrIsDir
	case n.typ == TypeSymlink:
		return nil, fs.ErrInvalid
	case flag&os.O_TRUNC != 0 && write:
		if err := f.truncateNode(n, 0); err != nil {
			return nil, err
		}
	}
	return n, nil
}

// billyFile is an open file of a Billy. Its operations lock the store.
type billyFile struct {
	fs     *FS
	n      *inode
	name   string
	flag   int
	off    int64
	closed bool
}

func (h *billyFile) Name() string { return h.name }

func (h *billyFile) check(op string, write bool) error {
	var err error
	switch {
	case h.closed:
		err = os.ErrClosed
	case h.n.typ == TypeDir:
		err = vfs.ErrIsDir
	case write && h.flag&(os.O_WRONLY|os.O_RDWR) == 0:
		err = fs.ErrPermission
	case !write && h.flag&os.O_WRONLY != 0:
		err = fs.ErrPermission
	}
	if err != nil {
		return &fs.PathError{Op: op, Path: h.name, Err: err}
	}
	return nil
}

func (h *billyFile) Read(p []byte) (int, error) {
	h.fs.mu.Lock()
	defer h.fs.mu.Unlock()
	n, err := h.readAt(p, h.off)
	h.off += int64(n)
	return n, err
}

func (h *billyFile) ReadAt(p []byte, off int64) (int, error) {
	h.fs.mu.Lock()
	defer h.fs.mu.Unlock()
	return h.readAt(p, off)
}

func (h *billyFile) readAt(p []byte, off int64) (int, error) {
	if err := h.check("read", false); err != nil {
		return 0, err
	}
	if off < 0 {
		return 0, &fs.PathError{Op: "read", Path: h.name, Err: fs.ErrInvalid}
	}
	if off >= int64(len(h.n.data)) {
		return 0, io.EOF
	}
	n := copy(p, h.n.data[off:])
	h.n.atime = h.fs.now()
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

func (h *billyFile) Write(p []byte) (int, error) {
	h.fs.mu.Lock()
	defer h.fs.mu.Unlock()
	if err := h.check("write", true); err != nil {
		return 0, err
	}
	if h.flag&os.O_APPEND != 0 {
		h.off = int64(len(h.n.data))
	}
	if err := h.fs.writeAt(h.n, h.off, p); err != nil {
		return 0, &fs.PathError{Op: "write", Path: h.name, Err: err}
	}
	h.off += int64(len(p))
	return len(p), nil
}

func (h *billyFile) Seek(offset int64, whence int) (int64, error) {
	h.fs.mu.Lock()
	defer h.fs.mu.Unlock()
	if h.closed {
		return 0, &fs.PathError{Op: "seek", Path: h.name, Err: os.ErrClosed}
	}
	switch whence {
	case io.SeekCurrent:
		offset += h.off
	case io.SeekEnd:
		offset += int64(len(h.n.data))
	}
	if offset < 0 {
		return 0, &fs.PathError{Op: "seek", Path: h.name, Err: fs.ErrInvalid}
	}
	h.off = offset
	return offset, nil
}

func (h *billyFile) Truncate(size int64) error {
	h.fs.mu.Lock()
	defer h.fs.mu.Unlock()
	if err := h.check("truncate", true); err != nil {
		return err
	}
	if err := h.fs.truncateNode(h.n, size); err != nil {
		return &fs.PathError{Op: "truncate", Path: h.name, Err: err}
	}
	return nil
}

func (h *billyFile) Close() error {
	h.fs.mu.Lock()
	defer h.fs.mu.Unlock()
	if h.closed {
		return &fs.PathError{Op: "close", Path: h.name, Err: os.ErrClosed}
	}
	h.closed = true
	return nil
}

// Lock is a no-op: the NFS server holds no locks for go-nfs.
func (h *billyFile) Lock() error { return nil }

// Unlock is a no-op.
func (h *billyFile) Unlock() error { return nil }
