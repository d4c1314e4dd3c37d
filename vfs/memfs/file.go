package memfs

import (
	"io"
	"io/fs"

	"github.com/nfsmail/nfsmail/vfs"
)

const accMode = vfs.O_RDONLY | vfs.O_WRONLY | vfs.O_RDWR

// file is an open file description: an inode, an offset and access mode.
type file struct {
	fs     *FS
	n      *inode
	name   string
	flag   int
	off    int64
	closed bool
}

var (
	_ vfs.File   = (*file)(nil)
	_ vfs.Locker = (*file)(nil)
)

// OpenFile opens name. Directories open read-only (for Stat and Sync);
// O_TRUNC stamps mtime and ctime even when the file was already empty.
func (f *FS) OpenFile(name string, flag int, perm fs.FileMode) (vfs.File, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	n, err := f.openInode(name, flag, perm)
	if err != nil {
		return nil, pathErr("open", name, err)
	}
	return &file{fs: f, n: n, name: name, flag: flag}, nil
}

func (f *FS) openInode(name string, flag int, perm fs.FileMode) (*inode, error) {
	if name == "." {
		if flag&accMode != vfs.O_RDONLY || flag&vfs.O_TRUNC != 0 {
			return nil, vfs.ErrIsDir
		}
		return f.root, nil
	}
	dir, base, err := f.lookupParent(name)
	if err != nil {
		return nil, err
	}
	now := f.now()
	n := dir.children[base]
	switch {
	case n == nil && flag&vfs.O_CREATE == 0:
		return nil, fs.ErrNotExist
	case n == nil:
		n = f.newInode(perm.Perm(), now)
		dir.children[base] = n
		dir.touchMod(now)
	case flag&vfs.O_CREATE != 0 && flag&vfs.O_EXCL != 0:
		return nil, fs.ErrExist
	case n.isDir() && (flag&accMode != vfs.O_RDONLY || flag&vfs.O_TRUNC != 0):
		return nil, vfs.ErrIsDir
	case flag&vfs.O_TRUNC != 0:
		n.data = nil
		n.touchMod(now)
	}
	return n, nil
}

func (fl *file) readable() bool { return fl.flag&accMode != vfs.O_WRONLY }
func (fl *file) writable() bool { return fl.flag&accMode != vfs.O_RDONLY }

// check validates an operation under the lock.
func (fl *file) check(op string, needRead, needWrite bool) error {
	switch {
	case fl.closed:
		return pathErr(op, fl.name, fs.ErrClosed)
	case (needRead || needWrite) && fl.n.isDir():
		return pathErr(op, fl.name, vfs.ErrIsDir)
	case needRead && !fl.readable(), needWrite && !fl.writable():
		return pathErr(op, fl.name, fs.ErrPermission)
	}
	return nil
}

func (fl *file) Name() string { return fl.name }

func (fl *file) Read(p []byte) (int, error) {
	fl.fs.mu.Lock()
	defer fl.fs.mu.Unlock()
	n, err := fl.readAt(p, fl.off)
	fl.off += int64(n)
	return n, err
}

func (fl *file) ReadAt(p []byte, off int64) (int, error) {
	fl.fs.mu.Lock()
	defer fl.fs.mu.Unlock()
	if off < 0 {
		return 0, pathErr("read", fl.name, fs.ErrInvalid)
	}
	n, err := fl.readAt(p, off)
	if err == nil && n < len(p) {
		err = io.EOF
	}
	return n, err
}

func (fl *file) readAt(p []byte, off int64) (int, error) {
	if err := fl.check("read", true, false); err != nil {
		return 0, err
	}
	if len(p) == 0 {
		return 0, nil
	}
	if off >= int64(len(fl.n.data)) {
		return 0, io.EOF
	}
	n := copy(p, fl.n.data[off:])
	fl.n.atime = fl.fs.now()
	return n, nil
}

func (fl *file) Write(p []byte) (int, error) {
	fl.fs.mu.Lock()
	defer fl.fs.mu.Unlock()
	if err := fl.check("write", false, true); err != nil {
		return 0, err
	}
	if fl.flag&vfs.O_APPEND != 0 {
		fl.off = int64(len(fl.n.data))
	}
	fl.writeAt(p, fl.off)
	fl.off += int64(len(p))
	return len(p), nil
}

// SetAppend is fcntl(F_SETFL) of O_APPEND.
func (fl *file) SetAppend(on bool) error {
	fl.fs.mu.Lock()
	defer fl.fs.mu.Unlock()
	if fl.closed {
		return pathErr("fcntl", fl.name, fs.ErrClosed)
	}
	if on {
		fl.flag |= vfs.O_APPEND
	} else {
		fl.flag &^= vfs.O_APPEND
	}
	return nil
}

func (fl *file) WriteAt(p []byte, off int64) (int, error) {
	fl.fs.mu.Lock()
	defer fl.fs.mu.Unlock()
	if err := fl.check("write", false, true); err != nil {
		return 0, err
	}
	if off < 0 || fl.flag&vfs.O_APPEND != 0 {
		return 0, pathErr("write", fl.name, fs.ErrInvalid)
	}
	fl.writeAt(p, off)
	return len(p), nil
}

// writeAt stores p at off, zero-filling any hole.
func (fl *file) writeAt(p []byte, off int64) {
	if end := off + int64(len(p)); end > int64(len(fl.n.data)) {
		fl.n.data = append(fl.n.data, make([]byte, end-int64(len(fl.n.data)))...)
	}
	copy(fl.n.data[off:], p)
	fl.n.touchMod(fl.fs.now())
}

func (fl *file) Seek(offset int64, whence int) (int64, error) {
	fl.fs.mu.Lock()
	defer fl.fs.mu.Unlock()
	if err := fl.check("seek", false, false); err != nil {
		return 0, err
	}
	switch whence {
	case io.SeekCurrent:
		offset += fl.off
	case io.SeekEnd:
		offset += int64(len(fl.n.data))
	case io.SeekStart:
	default:
		return 0, pathErr("seek", fl.name, fs.ErrInvalid)
	}
	if offset < 0 {
		return 0, pathErr("seek", fl.name, fs.ErrInvalid)
	}
	fl.off = offset
	return offset, nil
}

func (fl *file) Stat() (fs.FileInfo, error) {
	fl.fs.mu.Lock()
	defer fl.fs.mu.Unlock()
	if err := fl.check("stat", false, false); err != nil {
		return nil, err
	}
	return fl.n.info(baseName(fl.name)), nil
}

// Sync has nothing to flush: memfs is always stable.
func (fl *file) Sync() error {
	fl.fs.mu.Lock()
	defer fl.fs.mu.Unlock()
	return fl.check("sync", false, false)
}

func (fl *file) Truncate(size int64) error {
	fl.fs.mu.Lock()
	defer fl.fs.mu.Unlock()
	if err := fl.check("truncate", false, false); err != nil {
		return err
	}
	if size < 0 || !fl.writable() || fl.n.isDir() {
		return pathErr("truncate", fl.name, fs.ErrInvalid)
	}
	if size <= int64(len(fl.n.data)) {
		fl.n.data = fl.n.data[:size:size]
	} else {
		fl.n.data = append(fl.n.data, make([]byte, size-int64(len(fl.n.data)))...)
	}
	fl.n.touchMod(fl.fs.now())
	return nil
}

// Close releases the file's locks.
func (fl *file) Close() error {
	fl.fs.mu.Lock()
	defer fl.fs.mu.Unlock()
	if fl.closed {
		return pathErr("close", fl.name, fs.ErrClosed)
	}
	fl.closed = true
	if _, ok := fl.n.locks[fl]; ok {
		delete(fl.n.locks, fl)
		fl.fs.cond.Broadcast()
	}
	return nil
}
