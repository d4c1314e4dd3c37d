package nfsserver

import (
	"io/fs"
	"time"

	"github.com/nfsmail/nfsmail/nfs3"
	"github.com/nfsmail/nfsmail/nfsserver/simfs"
)

// nfsSetattr serves SETATTR (RFC 1813 3.3.2). SET_TO_SERVER_TIME reads
// the store's (virtual) clock; the guard compares the ctime clients were
// sent.
//
//	SETATTR3args: nfs_fh3 object; sattr3 new_attributes;
//	              sattrguard3 guard (bool check; nfstime3 obj_ctime)
//	SETATTR3res:  nfsstat3; wcc_data obj_wcc
func nfsSetattr(s *Server, c *call) ([]byte, error) {
	d := c.decoder()
	fh := d.Opaque(nfs3.MaxFileHandle)
	sa := nfs3.DecodeSattr(d)
	guarded := d.Bool()
	var guard nfs3.Fattr
	if guarded {
		guard.Ctime = nfs3.DecodeTime(d)
	}
	if err := done(d); err != nil {
		return nil, err
	}
	ino, err := s.resolve(c, fh)
	p := s.preOp(ino)
	if err == nil && guarded && !sameTime(fattr(p.a).Ctime, guard.Ctime) {
		err = errNotSync
	}
	if err == nil {
		_, err = s.fs.SetAttr(ino, storeSattr(sa))
	}
	var e nfs3.Encoder
	encodeStatus(&e, err)
	s.wcc(&e, p, ino)
	return e.B, nil
}

// storeSattr converts sattr3 to the store's SetAttr.
func storeSattr(sa nfs3.Sattr) simfs.SetAttr {
	out := simfs.SetAttr{UID: sa.UID, GID: sa.GID, Atime: sa.Atime, Mtime: sa.Mtime,
		AtimeNow: sa.AtimeNow, MtimeNow: sa.MtimeNow}
	if sa.Mode != nil {
		m := modeOf(*sa.Mode)
		out.Mode = &m
	}
	if sa.Size != nil {
		v := int64(min(*sa.Size, uint64(simfs.MaxFileSize)+1))
		out.Size = &v
	}
	return out
}

// hasMeta reports whether sa sets anything besides the mode.
func hasMeta(sa nfs3.Sattr) bool {
	return sa.UID != nil || sa.GID != nil || sa.Size != nil || sa.Atime != nil || sa.Mtime != nil ||
		sa.AtimeNow || sa.MtimeNow
}

// modeOf converts POSIX mode bits to io/fs bits.
func modeOf(m uint32) fs.FileMode {
	mode := fs.FileMode(m & 0o777)
	if m&0o4000 != 0 {
		mode |= fs.ModeSetuid
	}
	if m&0o2000 != 0 {
		mode |= fs.ModeSetgid
	}
	if m&0o1000 != 0 {
		mode |= fs.ModeSticky
	}
	return mode
}

// sameTime compares times as nfstime3 (seconds and nanoseconds on the
// wire), which is what the client saw.
func sameTime(a, b time.Time) bool {
	return a.Unix() == b.Unix() && a.Nanosecond() == b.Nanosecond()
}
