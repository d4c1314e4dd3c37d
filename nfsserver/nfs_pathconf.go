package nfsserver

import "github.com/nfsmail/nfsmail/nfs3"

// nfsPathconf serves PATHCONF (RFC 1813 3.3.20), with ext4's limits.
//
//	PATHCONF3args: nfs_fh3 object
//	PATHCONF3res:  nfsstat3; post_op_attr; OK: linkmax name_max (uint32); no_trunc
//	               chown_restricted case_insensitive case_preserving (bool)
func nfsPathconf(s *Server, c *call) ([]byte, error) {
	d := c.decoder()
	fh := d.Opaque(nfs3.MaxFileHandle)
	if err := done(d); err != nil {
		return nil, err
	}
	ino, err := s.resolve(c, fh)
	var e nfs3.Encoder
	encodeStatus(&e, err)
	s.postOp(&e, ino)
	if err == nil {
		e.Uint32(65000)
		e.Uint32(maxName)
		e.Bool(true)
		e.Bool(true)
		e.Bool(false)
		e.Bool(true)
	}
	return e.B, nil
}
