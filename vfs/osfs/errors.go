package osfs

import (
	"errors"
	"io/fs"
	"os"
	"syscall"

	"github.com/nfsmail/nfsmail/vfs"
)

// errnoErr maps an errno to the vfs sentinel errors.Is expects.
func errnoErr(err error) error {
	var le *os.LinkError
	if errors.As(err, &le) {
		err = le.Err
	}
	var pe *fs.PathError
	if errors.As(err, &pe) {
		err = pe.Err
	}
	var errno syscall.Errno
	if !errors.As(err, &errno) {
		return err
	}
	switch errno {
	case syscall.ENOTEMPTY:
		return vfs.ErrNotEmpty
	case syscall.ENOTDIR:
		return vfs.ErrNotDir
	case syscall.EISDIR:
		return vfs.ErrIsDir
	case syscall.ESTALE:
		return vfs.ErrStale
	case syscall.EXDEV:
		return vfs.ErrCrossDevice
	case syscall.EROFS:
		return vfs.ErrReadOnly
	case syscall.ENOSPC, syscall.EDQUOT:
		return vfs.ErrNoSpace
	case syscall.EAGAIN:
		return vfs.ErrWouldBlock
	case syscall.ENOLCK:
		return vfs.ErrNoLocks
	case syscall.EPERM:
		return fs.ErrPermission
	}
	return errno // ENOENT, EEXIST, EACCES, EINVAL match io/fs sentinels through Is
}

func mapErr(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return &fs.PathError{Op: pe.Op, Path: pe.Path, Err: errnoErr(pe.Err)}
	}
	return err
}
