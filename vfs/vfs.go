// Package vfs is the small file-system interface every mail engine is written
// against, in the spirit of io/fs but writable: the handful of POSIX calls
// Dovecot's storage code makes, plus optional capabilities (hard links,
// advisory locks, timestamps) discovered by type assertion with helpers that
// fall back when a file system lacks them.
//
// Implementations: vfs/memfs (the reference), harness/nfsclient (one host's
// view of the simulated NFS server) and the host-local directories of
// harness/host. Every error is an *fs.PathError (or *LinkError) wrapping one
// of the sentinels below or those of io/fs, so callers match with errors.Is.
package vfs

import (
	"errors"
	"io"
	"io/fs"
	"os"
	"syscall"
	"time"
)

// Open flags, the subset of os.O_* the engines use.
const (
	O_RDONLY = os.O_RDONLY
	O_WRONLY = os.O_WRONLY
	O_RDWR   = os.O_RDWR
	O_APPEND = os.O_APPEND
	O_CREATE = os.O_CREATE
	O_EXCL   = os.O_EXCL
	O_TRUNC  = os.O_TRUNC
)

// Sentinel errors beyond those of io/fs (fs.ErrNotExist, fs.ErrExist,
// fs.ErrPermission, fs.ErrInvalid).
var (
	// ErrStale: the file handle no longer names an object (NFS3ERR_STALE,
	// ESTALE). Returned by operations on an open File whose file was removed
	// by another host, and by path operations whose cached handle went stale.
	ErrStale = errors.New("stale file handle")
	// ErrNotEmpty: Remove of a directory that still has entries.
	ErrNotEmpty = errors.New("directory not empty")
	// ErrNotDir: a path component is not a directory.
	ErrNotDir = errors.New("not a directory")
	// ErrIsDir: the operation needs a non-directory.
	ErrIsDir = errors.New("is a directory")
	// ErrIO: the server or medium failed (EIO), including soft-mount timeouts.
	ErrIO = errors.New("input/output error")
	// ErrNoSpace: ENOSPC or EDQUOT.
	ErrNoSpace = errors.New("no space left on device")
	// ErrUnsupported: the file system lacks an optional capability.
	ErrUnsupported = errors.ErrUnsupported
	// ErrWouldBlock: a non-blocking lock request conflicts (EAGAIN).
	ErrWouldBlock = errors.New("resource temporarily unavailable")
	// ErrNoLocks: the lock service is unavailable (ENOLCK).
	ErrNoLocks = errors.New("no locks available")
	// ErrCrossDevice: a rename or link between two file systems (EXDEV).
	ErrCrossDevice = errors.New("invalid cross-device link")
	// ErrReadOnly: the file system is mounted read-only or the directory is
	// not writable for the caller (EROFS/EACCES).
	ErrReadOnly = errors.New("read-only file system")
)

// FS is the interface engines need. Paths are slash-separated and relative
// to the file system's root ("Maildir/new/x"); "." is the root. All methods
// follow POSIX semantics as an NFS client presents them: see the
// implementation for which cache may make a result stale.
type FS interface {
	// OpenFile opens name with os-style flags. O_CREATE|O_EXCL fails with
	// fs.ErrExist when name exists.
	OpenFile(name string, flag int, perm fs.FileMode) (File, error)
	// Stat returns the attributes of name without following symlinks (lstat).
	// Sys() of the result is a *Stat.
	Stat(name string) (fs.FileInfo, error)
	// ReadDir lists a directory sorted by name; "." and ".." are omitted.
	ReadDir(name string) ([]fs.DirEntry, error)
	// Mkdir creates one directory; fs.ErrExist if name exists.
	Mkdir(name string, perm fs.FileMode) error
	// Remove unlinks a file or removes an empty directory.
	Remove(name string) error
	// Rename atomically replaces newname with oldname.
	Rename(oldname, newname string) error
}

// File is an open file. Offsets follow os.File: Read and Write advance the
// file offset; with O_APPEND every Write first moves it to the end of the
// file as this client knows it.
type File interface {
	io.Reader
	io.Writer
	io.ReaderAt
	io.WriterAt
	io.Seeker
	io.Closer
	Name() string
	// Stat returns the attributes of the open file (fstat).
	Stat() (fs.FileInfo, error)
	// Sync pushes written data to stable storage (fsync/fdatasync).
	Sync() error
	// Truncate sets the file size (ftruncate).
	Truncate(size int64) error
}

// Stat is the Sys() value of every FileInfo a vfs.FS returns.
type Stat struct {
	Ino   uint64
	Nlink uint32
	Atime time.Time
	Mtime time.Time
	Ctime time.Time
}

// StatOf returns fi's *Stat, or a best-effort one built from fi.
func StatOf(fi fs.FileInfo) *Stat {
	if st, ok := fi.Sys().(*Stat); ok {
		return st
	}
	return &Stat{Nlink: 1, Atime: fi.ModTime(), Mtime: fi.ModTime(), Ctime: fi.ModTime()}
}

// LinkFS is implemented by file systems with hard links.
type LinkFS interface {
	FS
	// Link creates newname as another name of oldname; fs.ErrExist if
	// newname exists. Over NFS a lost reply can turn success into ErrExist:
	// callers who must know compare the link count (see nfs_safe_link).
	Link(oldname, newname string) error
}

// Link calls fsys.Link, or fails with ErrUnsupported.
func Link(fsys FS, oldname, newname string) error {
	if l, ok := fsys.(LinkFS); ok {
		return l.Link(oldname, newname)
	}
	return &LinkError{Op: "link", Old: oldname, New: newname, Err: ErrUnsupported}
}

// AppendSetter is implemented by files whose O_APPEND flag can be changed
// after open, as fcntl(F_SETFL) does.
type AppendSetter interface {
	SetAppend(on bool) error
}

// SetAppend turns f's O_APPEND flag on or off (fcntl F_SETFL), or fails
// with ErrUnsupported.
func SetAppend(f File, on bool) error {
	if a, ok := f.(AppendSetter); ok {
		return a.SetAppend(on)
	}
	return ErrUnsupported
}

// ChtimesFS is implemented by file systems that can set timestamps.
type ChtimesFS interface {
	FS
	Chtimes(name string, atime, mtime time.Time) error
}

// Chtimes calls fsys.Chtimes, or fails with ErrUnsupported.
func Chtimes(fsys FS, name string, atime, mtime time.Time) error {
	if c, ok := fsys.(ChtimesFS); ok {
		return c.Chtimes(name, atime, mtime)
	}
	return &fs.PathError{Op: "chtimes", Path: name, Err: ErrUnsupported}
}

// LockType is an fcntl lock type.
type LockType int

// Lock types.
const (
	Unlock LockType = iota
	ReadLock
	WriteLock
)

// Locker is implemented by files that take whole-file advisory locks
// (fcntl F_SETLK/F_SETLKW over the whole file; flock is the same on Linux NFS).
type Locker interface {
	// Lock takes, changes or (Unlock) drops the lock. With wait false a
	// conflict fails with ErrWouldBlock; with wait true it blocks the caller.
	// Over NFS a lock is also a cache coherence point: dirty data is flushed
	// before and cached data dropped after.
	Lock(typ LockType, wait bool) error
}

// Lock calls f.Lock, or fails with ErrNoLocks when f cannot lock.
func Lock(f File, typ LockType, wait bool) error {
	if l, ok := f.(Locker); ok {
		return l.Lock(typ, wait)
	}
	return &fs.PathError{Op: "fcntl", Path: f.Name(), Err: ErrNoLocks}
}

// LinkError records an error during a link or rename.
type LinkError = os.LinkError

// Errno maps an error to the closest syscall.Errno, for logging in the
// errno style Dovecot uses ("No such file or directory").
func Errno(err error) syscall.Errno {
	switch {
	case err == nil:
		return 0
	case errors.Is(err, fs.ErrNotExist):
		return syscall.ENOENT
	case errors.Is(err, fs.ErrExist):
		return syscall.EEXIST
	case errors.Is(err, fs.ErrPermission):
		return syscall.EACCES
	case errors.Is(err, ErrStale):
		return syscall.ESTALE
	case errors.Is(err, ErrNotEmpty):
		return syscall.ENOTEMPTY
	case errors.Is(err, ErrNotDir):
		return syscall.ENOTDIR
	case errors.Is(err, ErrIsDir):
		return syscall.EISDIR
	case errors.Is(err, ErrNoSpace):
		return syscall.ENOSPC
	case errors.Is(err, ErrWouldBlock):
		return syscall.EAGAIN
	case errors.Is(err, ErrNoLocks):
		return syscall.ENOLCK
	case errors.Is(err, ErrUnsupported):
		return syscall.ENOTSUP
	case errors.Is(err, fs.ErrInvalid):
		return syscall.EINVAL
	case errors.Is(err, ErrCrossDevice):
		return syscall.EXDEV
	case errors.Is(err, ErrReadOnly):
		return syscall.EROFS
	}
	return syscall.EIO
}

// Mapper is implemented by files that can be memory-mapped. A mapping shows
// the pages this host has cached for the file: on NFS it is not revalidated
// by reading it (only opening, locking or an attribute change seen by some
// other call drops stale pages), which is why Dovecot needs mmap_disable=yes
// there.
type Mapper interface {
	// Mmap returns the file's content as mapped pages show it. The slice
	// must not be modified and is valid until the next call on the file.
	Mmap() ([]byte, error)
}

// Mmap calls f.Mmap, or reads the whole file through ReadAt when f cannot
// be mapped (a read never serves stale pages beyond what the file system's
// own caching does).
func Mmap(f File) ([]byte, error) {
	if m, ok := f.(Mapper); ok {
		return m.Mmap()
	}
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	buf := make([]byte, fi.Size())
	n, err := f.ReadAt(buf, 0)
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, err
	}
	return buf[:n], nil
}
