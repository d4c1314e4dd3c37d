package nfsserver

import (
	"errors"
	"io/fs"

	"github.com/nfsmail/nfsmail/harness/fault"
	"github.com/nfsmail/nfsmail/nfs3"
	"github.com/nfsmail/nfsmail/vfs"
)

// errStale is the error of a handle whose inode is gone.
var (
	errStale  = vfs.ErrStale
	errNotDir = vfs.ErrNotDir
)

// Errors of our own procedures that have no vfs sentinel.
var (
	errNotSync     = errors.New("nfsserver: guard ctime mismatch")
	errNameTooLong = errors.New("nfsserver: name too long")
	errTooSmall    = errors.New("nfsserver: reply buffer too small")
	errBadCookie   = errors.New("nfsserver: bad readdir cookie")
)

var statusTable = []struct {
	err error
	st  nfs3.Status
}{
	{errBadHandle, nfs3.ErrBadHandle}, {errNotSync, nfs3.ErrNotSync}, {errNameTooLong, nfs3.ErrNameLong},
	{errTooSmall, nfs3.ErrTooSmall}, {errBadCookie, nfs3.ErrBadCookie},
	{vfs.ErrStale, nfs3.ErrStale}, {fs.ErrNotExist, nfs3.ErrNoEnt}, {fs.ErrExist, nfs3.ErrExist},
	{vfs.ErrNotEmpty, nfs3.ErrNotEmpty}, {vfs.ErrNotDir, nfs3.ErrNotDir}, {vfs.ErrIsDir, nfs3.ErrIsDir},
	{fs.ErrInvalid, nfs3.ErrInval}, {fs.ErrPermission, nfs3.ErrAccess}, {vfs.ErrNoSpace, nfs3.ErrNoSpc},
	{vfs.ErrUnsupported, nfs3.ErrNotSupp},
}

// statusOf maps an error to the nfsstat3 a server reports for it; an
// injected fault reports its own status.
func statusOf(err error) nfs3.Status {
	if err == nil {
		return nfs3.OK
	}
	var fe *fault.Error
	if errors.As(err, &fe) && fe.Status != nfs3.OK {
		return fe.Status
	}
	for _, m := range statusTable {
		if errors.Is(err, m.err) {
			return m.st
		}
	}
	return nfs3.ErrIO
}

// firstErr returns the first non-nil error.
func firstErr(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}
