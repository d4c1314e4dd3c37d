package nfsserver

import "github.com/nfsmail/nfsmail/nfs3"

// nfsReaddir serves READDIR (RFC 1813 3.3.16); see readdir.go for cookies.
//
//	READDIR3args: nfs_fh3 dir; cookie3 cookie; cookieverf3 cookieverf; count3 count
//	READDIR3res:  nfsstat3; post_op_attr dir; OK: cookieverf3; entry3 list; bool eof
func nfsReaddir(s *Server, c *call) ([]byte, error) {
	d := c.decoder()
	r := listReq{fh: d.Opaque(nfs3.MaxFileHandle), cookie: d.Uint64()}
	d.Fixed(8)
	r.maxcount = d.Uint32()
	if err := done(d); err != nil {
		return nil, err
	}
	return s.readdir(c, r)
}
