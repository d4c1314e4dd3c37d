package nfsserver

import "github.com/nfsmail/nfsmail/nfs3"

// nfsReaddirplus serves READDIRPLUS (RFC 1813 3.3.17): READDIR plus each
// entry's attributes and handle ("." and ".." included); see readdir.go.
//
//	READDIRPLUS3args: nfs_fh3 dir; cookie3; cookieverf3; count3 dircount; count3 maxcount
//	READDIRPLUS3res:  nfsstat3; post_op_attr dir; OK: cookieverf3; entryplus3 list; bool eof
func nfsReaddirplus(s *Server, c *call) ([]byte, error) {
	d := c.decoder()
	r := listReq{fh: d.Opaque(nfs3.MaxFileHandle), cookie: d.Uint64(), plus: true}
	d.Fixed(8)
	r.dircount = d.Uint32()
	r.maxcount = d.Uint32()
	if err := done(d); err != nil {
		return nil, err
	}
	return s.readdir(c, r)
}
