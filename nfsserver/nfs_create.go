package nfsserver

import (
	"io/fs"

	"github.com/nfsmail/nfsmail/nfs3"
	"github.com/nfsmail/nfsmail/nfsserver/simfs"
)

// nfsCreate serves CREATE (RFC 1813 3.3.8) in all three modes:
//
//   - UNCHECKED creates the file or reuses an existing one (a size of 0 in
//     the attributes truncates it, as Linux does for O_TRUNC);
//
//   - GUARDED fails with NFS3ERR_EXIST if the name exists; the check and
//     the create are one atomic store operation;
//
//   - EXCLUSIVE stores the client's verifier with the new file, so a
//     retransmission with the same verifier succeeds and any other gets
//     NFS3ERR_EXIST. The client follows up with SETATTR.
//
//     CREATE3args: diropargs3 where; createhow3 how (mode; sattr3 | createverf3)
//     CREATE3res:  see encodeNewObject
func nfsCreate(s *Server, c *call) ([]byte, error) {
	d := c.decoder()
	op := decodeDirop(d)
	how := d.Uint32()
	var sa nfs3.Sattr
	var verf [8]byte
	switch how {
	case nfs3.CreateUnchecked, nfs3.CreateGuarded:
		sa = nfs3.DecodeSattr(d)
	case nfs3.CreateExclusive:
		copy(verf[:], d.Fixed(8))
	default:
		return nil, errGarbage
	}
	if err := done(d); err != nil {
		return nil, err
	}
	dir, err := s.resolveDir(c, op)
	p := s.preOp(dir)
	var a simfs.Attr
	if err == nil {
		a, err = s.create(dir, op.name, how, sa, verf)
	}
	return s.encodeNewObject(err, a, dir, p), nil
}

func (s *Server) create(dir simfs.Ino, name string, how uint32, sa nfs3.Sattr, verf [8]byte) (simfs.Attr, error) {
	if how == nfs3.CreateExclusive {
		return s.fs.CreateExclusive(dir, name, 0o600, verf)
	}
	mode := fs.FileMode(0o644)
	if sa.Mode != nil {
		mode = modeOf(*sa.Mode)
	}
	a, err := s.fs.Create(dir, name, mode, how == nfs3.CreateGuarded)
	if err != nil {
		return a, err
	}
	sa.Mode = nil // applied by Create (and not to an existing file)
	if hasMeta(sa) {
		return s.fs.SetAttr(a.Ino, storeSattr(sa))
	}
	return a, nil
}
