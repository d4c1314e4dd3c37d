package nfsserver

import (
	"github.com/nfsmail/nfsmail/nfs3"
	"github.com/nfsmail/nfsmail/nfsserver/simfs"
)

// fsid is the file system id every fattr3 reports.
const fsid = 0x6e66736d61696c // "nfsmail"

// fattr converts store attributes to fattr3 as a Linux server sends them:
// type in its own field, mode holding only the 07777 permission bits,
// real nlink and fileid, and distinct atime, mtime and ctime.
func fattr(a simfs.Attr) nfs3.Fattr {
	f := nfs3.Fattr{Type: ftype(a.Type), Mode: posixMode(a), Nlink: a.Nlink, UID: a.UID, GID: a.GID,
		Size: uint64(a.Size), FSID: fsid, FileID: uint64(a.Ino),
		Atime: a.Atime, Mtime: a.Mtime, Ctime: a.Ctime}
	f.Used = (f.Size + 4095) &^ 4095
	return f
}

func ftype(t simfs.Type) uint32 {
	switch t {
	case simfs.TypeDir:
		return nfs3.TypeDir
	case simfs.TypeSymlink:
		return nfs3.TypeLink
	}
	return nfs3.TypeReg
}

func posixMode(a simfs.Attr) uint32 {
	m := uint32(a.Mode.Perm())
	if a.Mode&(1<<23) != 0 { // fs.ModeSetuid
		m |= 0o4000
	}
	if a.Mode&(1<<22) != 0 { // fs.ModeSetgid
		m |= 0o2000
	}
	if a.Mode&(1<<20) != 0 { // fs.ModeSticky
		m |= 0o1000
	}
	return m
}

// attrOf reads the attributes of ino (false if it is not live).
func (s *Server) attrOf(ino simfs.Ino) (simfs.Attr, bool) {
	if ino == 0 {
		return simfs.Attr{}, false
	}
	a, err := s.fs.GetAttr(ino)
	return a, err == nil
}

// postOp appends post_op_attr for ino.
func (s *Server) postOp(e *nfs3.Encoder, ino simfs.Ino) {
	a, ok := s.attrOf(ino)
	encPostOp(e, a, ok)
}

func encPostOp(e *nfs3.Encoder, a simfs.Attr, ok bool) {
	if !ok {
		nfs3.EncodePostOpAttr(e, nil)
		return
	}
	f := fattr(a)
	nfs3.EncodePostOpAttr(e, &f)
}

// pre is a wcc pre-operation snapshot.
type pre struct {
	a  simfs.Attr
	ok bool
}

// preOp snapshots ino's size, mtime and ctime before a change.
func (s *Server) preOp(ino simfs.Ino) pre {
	a, ok := s.attrOf(ino)
	return pre{a, ok}
}

// wcc appends wcc_data: the pre-op snapshot and ino's attributes now.
func (s *Server) wcc(e *nfs3.Encoder, p pre, ino simfs.Ino) {
	var before *nfs3.WccAttr
	if p.ok {
		before = &nfs3.WccAttr{Size: uint64(p.a.Size), Mtime: p.a.Mtime, Ctime: p.a.Ctime}
	}
	a, ok := s.attrOf(ino)
	var after *nfs3.Fattr
	if ok {
		f := fattr(a)
		after = &f
	}
	nfs3.EncodeWcc(e, before, after)
}
