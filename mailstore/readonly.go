package mailstore

import (
	"io/fs"
	"time"

	"github.com/nfsmail/nfsmail/vfs"
)

// ReadOnly wraps fsys so that nothing can change it: files open read-only
// whatever the flags ask for, creating a missing file, Mkdir, Remove and
// Rename fail with vfs.ErrReadOnly, and locks are refused (ErrNoLocks).
// The Fsck functions open indexes through it, so an audit never writes to
// the store it audits (an index that would need a new log fails to open).
func ReadOnly(fsys vfs.FS) vfs.FS { return roFS{fsys} }

type roFS struct{ fs vfs.FS }

func roErr(op, name string) error { return &fs.PathError{Op: op, Path: name, Err: vfs.ErrReadOnly} }

func (r roFS) OpenFile(name string, flag int, perm fs.FileMode) (vfs.File, error) {
	f, err := r.fs.OpenFile(name, vfs.O_RDONLY, 0)
	if err != nil {
		if flag&vfs.O_CREATE != 0 {
			return nil, roErr("open", name)
		}
		return nil, err
	}
	if flag&vfs.O_TRUNC != 0 || flag&(vfs.O_CREATE|vfs.O_EXCL) == vfs.O_CREATE|vfs.O_EXCL {
		f.Close()
		return nil, roErr("open", name)
	}
	return roFile{f}, nil
}

type roFile struct{ vfs.File }

func (r roFS) Stat(name string) (fs.FileInfo, error)      { return r.fs.Stat(name) }
func (r roFS) ReadDir(name string) ([]fs.DirEntry, error) { return r.fs.ReadDir(name) }
func (r roFS) Mkdir(name string, _ fs.FileMode) error     { return roErr("mkdir", name) }
func (r roFS) Remove(name string) error                   { return roErr("remove", name) }
func (r roFS) Rename(oldname, _ string) error             { return roErr("rename", oldname) }

func (f roFile) Write([]byte) (int, error)          { return 0, roErr("write", f.Name()) }
func (f roFile) WriteAt([]byte, int64) (int, error) { return 0, roErr("write", f.Name()) }
func (f roFile) Truncate(int64) error               { return roErr("truncate", f.Name()) }
func (f roFile) Sync() error                        { return nil }
func (f roFile) Lock(vfs.LockType, bool) error {
	return &fs.PathError{Op: "fcntl", Path: f.Name(), Err: vfs.ErrNoLocks}
}

// AuditEnv is the environment the Fsck functions open indexes with: a
// read-only view of fsys, a clock fixed at the epoch, host "fsck", default
// settings and log as the logger.
func AuditEnv(fsys vfs.FS, log *Recorder) Env {
	return Env{FS: ReadOnly(fsys), Clock: epochClock{}, Hostname: "fsck", Log: log, Settings: DefaultSettings()}
}

type epochClock struct{}

func (epochClock) Now() time.Time      { return time.Unix(0, 0) }
func (epochClock) Sleep(time.Duration) {}
