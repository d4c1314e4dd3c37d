package nfsserver

import "github.com/nfsmail/nfsmail/nfs3"

// nfsRename serves RENAME (RFC 1813 3.3.14): atomic, replacing the
// target; handles of the moved object stay valid, a replaced target's
// handle goes stale if that was its last name.
//
//	RENAME3args: diropargs3 from; diropargs3 to
//	RENAME3res:  nfsstat3; wcc_data fromdir_wcc; wcc_data todir_wcc
func nfsRename(s *Server, c *call) ([]byte, error) {
	d := c.decoder()
	from := decodeDirop(d)
	to := decodeDirop(d)
	if err := done(d); err != nil {
		return nil, err
	}
	fdir, ferr := s.resolveDir(c, from)
	tdir, terr := s.resolveDir(c, to)
	fp, tp := s.preOp(fdir), s.preOp(tdir)
	err := firstErr(ferr, terr)
	if err == nil {
		err = s.fs.Rename(fdir, from.name, tdir, to.name)
	}
	var e nfs3.Encoder
	encodeStatus(&e, err)
	s.wcc(&e, fp, fdir)
	s.wcc(&e, tp, tdir)
	return e.B, nil
}
