package nfsserver

import (
	"io/fs"
	"time"

	"github.com/nfsmail/nfsmail/nfsserver/simfs"
)

// nfsSetattr serves NFSPROC3_SETATTR (RFC 1813 3.3.2) so that
// SET_TO_SERVER_TIME reads the store's virtual clock (go-nfs uses
// time.Now) and the guard compares the ctime clients were sent:
//
//	SETATTR3args: nfs_fh3 object; sattr3 new_attributes;
//	              sattrguard3 guard (bool check; nfstime3 obj_ctime)
//	SETATTR3res:  nfsstat3; wcc_data obj_wcc
func nfsSetattr(s *Server, c *call) ([]byte, error) {
	r := xdrReader{b: c.args}
	fh := r.opaque(fhSize)
	sa := readSattr(&r)
	guarded := r.bool()
	var sec, nsec uint32
	if guarded {
		sec, nsec = r.uint32(), r.uint32()
	}
	if r.err != nil {
		return nil, r.err
	}
	ino, herr := s.h.ino(fh)
	pre := s.attrOf(ino, herr)
	err := herr
	if err == nil && guarded {
		ct := wireAttr(pre.a).Ctime
		if ct.Seconds != sec || ct.Nseconds != nsec {
			err = errNotSync
		}
	}
	if err == nil {
		_, err = s.fs.SetAttr(ino, sa)
	}
	var w xdrWriter
	w.uint32(uint32(statusOf(err)))
	wcc(&w, pre, s.attrOf(ino, herr))
	return w.b, nil
}

// time_how values of sattr3.
const (
	dontChange      = 0
	setToServerTime = 1
	setToClientTime = 2
)

// readSattr decodes sattr3 (RFC 1813 2.6) into a simfs.SetAttr.
func readSattr(r *xdrReader) simfs.SetAttr {
	var sa simfs.SetAttr
	if r.bool() {
		m := modeOf(r.uint32())
		sa.Mode = &m
	}
	if r.bool() {
		v := r.uint32()
		sa.UID = &v
	}
	if r.bool() {
		v := r.uint32()
		sa.GID = &v
	}
	if r.bool() {
		v := int64(min(r.uint64(), uint64(simfs.MaxFileSize)+1))
		sa.Size = &v
	}
	sa.Atime, sa.AtimeNow = readTimeHow(r)
	sa.Mtime, sa.MtimeNow = readTimeHow(r)
	return sa
}

func readTimeHow(r *xdrReader) (*time.Time, bool) {
	switch r.uint32() {
	case dontChange:
		return nil, false
	case setToServerTime:
		return nil, true
	case setToClientTime:
		t := time.Unix(int64(r.uint32()), int64(r.uint32()))
		return &t, false
	}
	r.fail()
	return nil, false
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
