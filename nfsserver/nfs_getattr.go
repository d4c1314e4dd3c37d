package nfsserver

import "github.com/nfsmail/nfsmail/nfs3"

// nfsGetattr serves GETATTR (RFC 1813 3.3.1).
//
//	GETATTR3args: nfs_fh3 object
//	GETATTR3res:  nfsstat3; OK: fattr3
func nfsGetattr(s *Server, c *call) ([]byte, error) {
	d := c.decoder()
	fh := d.Opaque(nfs3.MaxFileHandle)
	if err := done(d); err != nil {
		return nil, err
	}
	ino, err := s.resolve(c, fh)
	a, ok := s.attrOf(ino)
	if err == nil && !ok {
		err = errStale
	}
	var e nfs3.Encoder
	encodeStatus(&e, err)
	if err == nil {
		f := fattr(a)
		f.Encode(&e)
	}
	return e.B, nil
}
