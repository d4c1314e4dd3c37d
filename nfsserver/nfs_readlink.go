package nfsserver

import "github.com/nfsmail/nfsmail/nfs3"

// nfsReadlink serves READLINK (RFC 1813 3.3.5). The target is returned as
// stored; the server never follows it.
//
//	READLINK3args: nfs_fh3 symlink
//	READLINK3res:  nfsstat3; post_op_attr; OK: nfspath3 data
func nfsReadlink(s *Server, c *call) ([]byte, error) {
	d := c.decoder()
	fh := d.Opaque(nfs3.MaxFileHandle)
	if err := done(d); err != nil {
		return nil, err
	}
	ino, err := s.resolve(c, fh)
	var target string
	if err == nil {
		target, err = s.fs.Readlink(ino)
	}
	var e nfs3.Encoder
	encodeStatus(&e, err)
	s.postOp(&e, ino)
	if err == nil {
		e.String(target)
	}
	return e.B, nil
}
