package nfsserver

import "github.com/nfsmail/nfsmail/nfs3"

// nfsCommit serves COMMIT (RFC 1813 3.3.21): the file's unstable data
// becomes stable (the whole file, whatever range is asked). The verifier
// tells the client whether the server restarted since its WRITEs.
//
//	COMMIT3args: nfs_fh3 file; offset3 offset; count3 count
//	COMMIT3res:  nfsstat3; wcc_data file_wcc; OK: writeverf3 verf
func nfsCommit(s *Server, c *call) ([]byte, error) {
	d := c.decoder()
	fh := d.Opaque(nfs3.MaxFileHandle)
	d.Uint64()
	d.Uint32()
	if err := done(d); err != nil {
		return nil, err
	}
	ino, err := s.resolve(c, fh)
	p := s.preOp(ino)
	if err == nil {
		_, err = s.fs.Commit(ino)
	}
	var e nfs3.Encoder
	encodeStatus(&e, err)
	s.wcc(&e, p, ino)
	if err == nil {
		v := s.verifier()
		e.Fixed(v[:])
	}
	return e.B, nil
}
