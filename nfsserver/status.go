package nfsserver

import (
	"errors"
	"io/fs"

	nfs "github.com/willscott/go-nfs"

	"github.com/nfsmail/nfsmail/vfs"
)

// Errors of our own procedures that have no vfs sentinel.
var (
	errNotSync     = errors.New("nfsserver: guard ctime mismatch")
	errNameTooLong = errors.New("nfsserver: name too long")
)

// statusOf maps an error to the nfsstat3 a server reports for it.
func statusOf(err error) nfs.NFSStatus {
	switch {
	case err == nil:
		return nfs.NFSStatusOk
	case errors.Is(err, errBadHandle):
		return nfs.NFSStatusBadHandle
	case errors.Is(err, errNotSync):
		return nfs.NFSStatusNotSync
	case errors.Is(err, errNameTooLong):
		return nfs.NFSStatusNameTooLong
	case errors.Is(err, vfs.ErrStale):
		return nfs.NFSStatusStale
	case errors.Is(err, fs.ErrNotExist):
		return nfs.NFSStatusNoEnt
	case errors.Is(err, fs.ErrExist):
		return nfs.NFSStatusExist
	case errors.Is(err, vfs.ErrNotEmpty):
		return nfs.NFSStatusNotEmpty
	case errors.Is(err, vfs.ErrNotDir):
		return nfs.NFSStatusNotDir
	case errors.Is(err, vfs.ErrIsDir):
		return nfs.NFSStatusIsDir
	case errors.Is(err, fs.ErrInvalid):
		return nfs.NFSStatusInval
	case errors.Is(err, fs.ErrPermission):
		return nfs.NFSStatusAccess
	case errors.Is(err, vfs.ErrNoSpace):
		return nfs.NFSStatusNoSPC
	case errors.Is(err, vfs.ErrUnsupported):
		return nfs.NFSStatusNotSupp
	}
	return nfs.NFSStatusIO
}
