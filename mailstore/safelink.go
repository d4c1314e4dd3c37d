package mailstore

import (
	"errors"
	"io/fs"

	"github.com/nfsmail/nfsmail/vfs"
)

// SafeLink is Dovecot's nfs_safe_link: link(2) whose EEXIST may be the
// lost reply of a LINK that succeeded, so the link count of oldname
// decides. With links1 the file is known to have one link before;
// otherwise it is stat'ed first.
func SafeLink(fsys vfs.FS, oldname, newname string, links1 bool) error {
	before := uint32(1)
	if !links1 {
		fi, err := fsys.Stat(oldname)
		if err != nil {
			return err
		}
		before = vfs.StatOf(fi).Nlink
	}
	err := vfs.Link(fsys, oldname, newname)
	if err == nil || !errors.Is(err, fs.ErrExist) {
		return err
	}
	fi, serr := fsys.Stat(oldname)
	if serr != nil {
		return serr
	}
	if vfs.StatOf(fi).Nlink == before {
		return err
	}
	return nil
}

// CantLink is Dovecot's ECANTLINK: the file system will not make this
// hard link (EXDEV, EPERM; EMLINK has no vfs error; here also a vfs
// without links), so the caller copies instead.
func CantLink(err error) bool {
	return errors.Is(err, vfs.ErrCrossDevice) || errors.Is(err, fs.ErrPermission) || errors.Is(err, vfs.ErrUnsupported)
}
