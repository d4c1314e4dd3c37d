package nfsserver

import "github.com/nfsmail/nfsmail/nfs3"

// nfsLookup serves LOOKUP (RFC 1813 3.3.3). "." is the directory, ".."
// its parent; ".." of the export root is the root, so no lookup leaves
// the export. Symlinks are returned, never followed.
//
//	LOOKUP3args: diropargs3 what
//	LOOKUP3res:  nfsstat3; OK: nfs_fh3 object; post_op_attr obj; post_op_attr dir
//	                       else: post_op_attr dir
func nfsLookup(s *Server, c *call) ([]byte, error) {
	d := c.decoder()
	op := decodeDirop(d)
	if err := done(d); err != nil {
		return nil, err
	}
	dir, err := s.resolveDir(c, op)
	var e nfs3.Encoder
	if err == nil {
		_, a, lerr := s.fs.Lookup(dir, op.name)
		if err = lerr; err == nil {
			encodeStatus(&e, nil)
			e.Opaque(makeHandle(a))
			encPostOp(&e, a, true)
			s.postOp(&e, dir)
			return e.B, nil
		}
	}
	encodeStatus(&e, err)
	s.postOp(&e, dir)
	return e.B, nil
}
