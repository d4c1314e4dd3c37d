package nfsserver

import "github.com/nfsmail/nfsmail/nfs3"

// Capacity the server reports: 1 TiB and 2^32 inodes.
const (
	totalBytes = 1 << 40
	totalFiles = 1 << 32
)

// nfsFsstat serves FSSTAT (RFC 1813 3.3.18).
//
//	FSSTAT3args: nfs_fh3 fsroot
//	FSSTAT3res:  nfsstat3; post_op_attr; OK: tbytes fbytes abytes tfiles ffiles afiles (size3); uint32 invarsec
func nfsFsstat(s *Server, c *call) ([]byte, error) {
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
		used, inodes := s.fs.Usage()
		free := uint64(max(totalBytes-used, 0))
		ffree := uint64(totalFiles - inodes)
		for _, v := range []uint64{totalBytes, free, free, totalFiles, ffree, ffree} {
			e.Uint64(v)
		}
		e.Uint32(0) // invarsec
	}
	return e.B, nil
}
