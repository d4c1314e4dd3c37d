package nfsserver

import (
	"time"

	"github.com/nfsmail/nfsmail/nfs3"
	"github.com/nfsmail/nfsmail/nfsserver/simfs"
)

// FSINFO properties: hard links, symlinks, homogeneous, settable times.
const fsfProperties = 0x0001 | 0x0002 | 0x0008 | 0x0010

// nfsFsinfo serves FSINFO (RFC 1813 3.3.19): 1 MiB reads and writes like
// knfsd, and the store's timestamp granularity as time_delta.
//
//	FSINFO3args: nfs_fh3 fsroot
//	FSINFO3res:  nfsstat3; post_op_attr; OK: rtmax rtpref rtmult wtmax wtpref wtmult
//	             dtpref (uint32); size3 maxfilesize; nfstime3 time_delta; uint32 properties
func nfsFsinfo(s *Server, c *call) ([]byte, error) {
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
		for _, v := range []uint32{maxIO, maxIO, 4096, maxIO, maxIO, 4096, 64 << 10} {
			e.Uint32(v)
		}
		e.Uint64(simfs.MaxFileSize)
		g := max(s.fs.Granularity(), time.Nanosecond)
		e.Uint32(uint32(g / time.Second))
		e.Uint32(uint32(g % time.Second))
		e.Uint32(fsfProperties)
	}
	return e.B, nil
}
