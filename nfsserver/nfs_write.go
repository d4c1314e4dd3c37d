package nfsserver

import "github.com/nfsmail/nfsmail/nfs3"

// nfsWrite serves WRITE (RFC 1813 3.3.7). UNSTABLE data stays in the
// server's memory until COMMIT (a Restart loses it) and is answered
// UNSTABLE; DATA_SYNC and FILE_SYNC writes are stable at once and answered
// FILE_SYNC. Every reply carries the current write verifier.
//
//	WRITE3args: nfs_fh3 file; offset3 offset; count3 count; stable_how stable; opaque data
//	WRITE3res:  nfsstat3; wcc_data file_wcc; OK: count3 count; stable_how committed; writeverf3 verf
func nfsWrite(s *Server, c *call) ([]byte, error) {
	d := c.decoder()
	fh := d.Opaque(nfs3.MaxFileHandle)
	off := d.Uint64()
	count := d.Uint32()
	stable := d.Uint32()
	data := d.Opaque(maxIO)
	if err := done(d); err != nil || stable > nfs3.FileSync {
		return nil, errGarbage
	}
	data = data[:min(int(count), len(data))]
	ino, err := s.resolve(c, fh)
	p := s.preOp(ino)
	committed := uint32(nfs3.FileSync)
	if err == nil {
		o := int64(min(off, 1<<62))
		if stable == nfs3.Unstable {
			committed = nfs3.Unstable
			_, err = s.fs.WriteUnstable(ino, o, data)
		} else {
			_, err = s.fs.Write(ino, o, data)
		}
	}
	var e nfs3.Encoder
	encodeStatus(&e, err)
	s.wcc(&e, p, ino)
	if err == nil {
		e.Uint32(uint32(len(data)))
		e.Uint32(committed)
		v := s.verifier()
		e.Fixed(v[:])
	}
	return e.B, nil
}
