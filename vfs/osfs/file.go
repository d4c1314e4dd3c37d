package osfs

import (
	"io/fs"
	"os"
	"syscall"
	"time"

	"github.com/nfsmail/nfsmail/vfs"
)

// file is an open *os.File with vfs's extras.
type file struct {
	*os.File
	name string
}

var _ vfs.Locker = (*file)(nil)

func (f *file) Name() string { return f.name }

func (f *file) Stat() (fs.FileInfo, error) {
	fi, err := f.File.Stat()
	if err != nil {
		return nil, mapErr(err)
	}
	return info{fi}, nil
}

func (f *file) Read(p []byte) (int, error) {
	n, err := f.File.Read(p)
	return n, readErr(err)
}

func (f *file) ReadAt(p []byte, off int64) (int, error) {
	n, err := f.File.ReadAt(p, off)
	return n, readErr(err)
}

func readErr(err error) error {
	if err == nil || err.Error() == "EOF" {
		return err
	}
	return mapErr(err)
}

// Lock takes a whole-file fcntl lock (F_SETLK / F_SETLKW).
func (f *file) Lock(typ vfs.LockType, wait bool) error {
	lt := map[vfs.LockType]int16{vfs.Unlock: syscall.F_UNLCK, vfs.ReadLock: syscall.F_RDLCK, vfs.WriteLock: syscall.F_WRLCK}[typ]
	cmd := syscall.F_SETLK
	if wait {
		cmd = syscall.F_SETLKW
	}
	lk := syscall.Flock_t{Type: lt, Whence: 0}
	if err := syscall.FcntlFlock(f.Fd(), cmd, &lk); err != nil {
		return &fs.PathError{Op: "fcntl", Path: f.name, Err: errnoErr(err)}
	}
	return nil
}

// info adds vfs.Stat to an os FileInfo.
type info struct{ fs.FileInfo }

func (i info) Sys() any {
	st, ok := i.FileInfo.Sys().(*syscall.Stat_t)
	if !ok {
		return &vfs.Stat{Nlink: 1, Mtime: i.ModTime(), Ctime: i.ModTime(), Atime: i.ModTime()}
	}
	return &vfs.Stat{Ino: st.Ino, Nlink: uint32(st.Nlink), Atime: ts(st.Atim), Mtime: ts(st.Mtim), Ctime: ts(st.Ctim)}
}

type entry struct{ fs.DirEntry }

func (e entry) Info() (fs.FileInfo, error) {
	fi, err := e.DirEntry.Info()
	if err != nil {
		return nil, mapErr(err)
	}
	return info{fi}, nil
}

func ts(t syscall.Timespec) time.Time { return time.Unix(t.Sec, t.Nsec).UTC() }
