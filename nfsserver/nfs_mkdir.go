package nfsserver

import (
	"io/fs"

	"github.com/nfsmail/nfsmail/nfs3"
	"github.com/nfsmail/nfsmail/nfsserver/simfs"
)

// nfsMkdir serves MKDIR (RFC 1813 3.3.9); an existing name gives
// NFS3ERR_EXIST atomically, so mkdir-locks behave as on a real server.
//
//	MKDIR3args: diropargs3 where; sattr3 attributes
//	MKDIR3res:  see encodeNewObject
func nfsMkdir(s *Server, c *call) ([]byte, error) {
	d := c.decoder()
	op := decodeDirop(d)
	sa := nfs3.DecodeSattr(d)
	if err := done(d); err != nil {
		return nil, err
	}
	dir, err := s.resolveDir(c, op)
	p := s.preOp(dir)
	var a simfs.Attr
	if err == nil {
		mode := fs.FileMode(0o755)
		if sa.Mode != nil {
			mode = modeOf(*sa.Mode)
		}
		a, err = s.fs.Mkdir(dir, op.name, mode)
	}
	return s.encodeNewObject(err, a, dir, p), nil
}
