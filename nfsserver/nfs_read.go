package nfsserver

import "github.com/nfsmail/nfsmail/nfs3"

// maxIO is rtmax and wtmax (FSINFO): the largest READ or WRITE.
const maxIO = 1 << 20

// nfsRead serves READ (RFC 1813 3.3.6). Reads see unstable writes, as on
// a real server whose page cache holds them.
//
//	READ3args: nfs_fh3 file; offset3 offset; count3 count
//	READ3res:  nfsstat3; post_op_attr; OK: count3 count; bool eof; opaque data
func nfsRead(s *Server, c *call) ([]byte, error) {
	d := c.decoder()
	fh := d.Opaque(nfs3.MaxFileHandle)
	off := d.Uint64()
	count := min(d.Uint32(), maxIO)
	if err := done(d); err != nil {
		return nil, err
	}
	ino, err := s.resolve(c, fh)
	var data []byte
	var eof bool
	if err == nil {
		data, eof, err = s.fs.Read(ino, int64(min(off, 1<<62)), int(count))
	}
	var e nfs3.Encoder
	e.B = make([]byte, 0, 128+len(data))
	encodeStatus(&e, err)
	s.postOp(&e, ino)
	if err == nil {
		e.Uint32(uint32(len(data)))
		e.Bool(eof)
		e.Opaque(data)
	}
	return e.B, nil
}
