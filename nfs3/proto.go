package nfs3

import (
	"fmt"
	"io/fs"

	"github.com/nfsmail/nfsmail/vfs"
)

// RPC programs and versions.
const (
	ProgNFS   = 100003
	ProgMount = 100005
	ProgNLM   = 100021
	VersNFS   = 3
	VersMount = 3
	VersNLM   = 4
)

// Proc is an NFSv3 procedure number.
type Proc uint32

// NFSv3 procedures.
const (
	ProcNull Proc = iota
	ProcGetattr
	ProcSetattr
	ProcLookup
	ProcAccess
	ProcReadlink
	ProcRead
	ProcWrite
	ProcCreate
	ProcMkdir
	ProcSymlink
	ProcMknod
	ProcRemove
	ProcRmdir
	ProcRename
	ProcLink
	ProcReaddir
	ProcReaddirplus
	ProcFsstat
	ProcFsinfo
	ProcPathconf
	ProcCommit
	numProcs
)

var procNames = [numProcs]string{
	"NULL", "GETATTR", "SETATTR", "LOOKUP", "ACCESS", "READLINK", "READ", "WRITE",
	"CREATE", "MKDIR", "SYMLINK", "MKNOD", "REMOVE", "RMDIR", "RENAME", "LINK",
	"READDIR", "READDIRPLUS", "FSSTAT", "FSINFO", "PATHCONF", "COMMIT",
}

func (p Proc) String() string {
	if p < numProcs {
		return procNames[p]
	}
	return fmt.Sprintf("PROC%d", uint32(p))
}

// MOUNT v3 procedures.
const (
	MountProcNull    = 0
	MountProcMnt     = 1
	MountProcDump    = 2
	MountProcUmnt    = 3
	MountProcUmntall = 4
	MountProcExport  = 5
)

// CREATE modes (createhow3) and WRITE stability (stable_how).
const (
	CreateUnchecked = 0
	CreateGuarded   = 1
	CreateExclusive = 2

	Unstable = 0
	DataSync = 1
	FileSync = 2
)

// Status is an nfsstat3 value.
type Status uint32

// NFSv3 status codes used here.
const (
	OK             Status = 0
	ErrPerm        Status = 1
	ErrNoEnt       Status = 2
	ErrIO          Status = 5
	ErrNXIO        Status = 6
	ErrAccess      Status = 13
	ErrExist       Status = 17
	ErrXDev        Status = 18
	ErrNotDir      Status = 20
	ErrIsDir       Status = 21
	ErrInval       Status = 22
	ErrFBig        Status = 27
	ErrNoSpc       Status = 28
	ErrROFS        Status = 30
	ErrNameLong    Status = 63
	ErrNotEmpty    Status = 66
	ErrDQuot       Status = 69
	ErrStale       Status = 70
	ErrBadHandle   Status = 10001
	ErrNotSync     Status = 10002
	ErrBadCookie   Status = 10003
	ErrNotSupp     Status = 10004
	ErrTooSmall    Status = 10005
	ErrServerFault Status = 10006
	ErrBadType     Status = 10007
	ErrJukebox     Status = 10008
)

// Error is a non-OK NFS status as a Go error; errors.Is matches it against
// the io/fs and vfs sentinels it corresponds to.
type Error struct{ Status Status }

func (e *Error) Error() string { return fmt.Sprintf("nfs3 status %d", uint32(e.Status)) }

// Is maps statuses to sentinels.
func (e *Error) Is(target error) bool { return sentinel(e.Status) == target }

// Unwrap exposes the sentinel so errors.Is and fs.PathError chains work.
func (e *Error) Unwrap() error { return sentinel(e.Status) }

func sentinel(s Status) error {
	switch s {
	case ErrNoEnt:
		return fs.ErrNotExist
	case ErrExist:
		return fs.ErrExist
	case ErrPerm, ErrAccess, ErrROFS:
		return fs.ErrPermission
	case ErrStale, ErrBadHandle:
		return vfs.ErrStale
	case ErrNotEmpty:
		return vfs.ErrNotEmpty
	case ErrNotDir:
		return vfs.ErrNotDir
	case ErrIsDir:
		return vfs.ErrIsDir
	case ErrNoSpc, ErrDQuot:
		return vfs.ErrNoSpace
	case ErrNotSupp:
		return vfs.ErrUnsupported
	case ErrInval, ErrNameLong:
		return fs.ErrInvalid
	}
	return vfs.ErrIO
}

// StatusError returns nil for OK and an *Error otherwise.
func StatusError(s Status) error {
	if s == OK {
		return nil
	}
	return &Error{Status: s}
}
