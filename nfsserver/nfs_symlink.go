package nfsserver

import (
	"github.com/nfsmail/nfsmail/nfs3"
	"github.com/nfsmail/nfsmail/nfsserver/simfs"
)

// nfsSymlink serves SYMLINK (RFC 1813 3.3.10). The target is stored as
// text and never followed by the server, so a symlink cannot lead a
// client outside the export through the server.
//
//	SYMLINK3args: diropargs3 where; symlinkdata3 (sattr3 attributes; nfspath3 data)
//	SYMLINK3res:  see encodeNewObject
func nfsSymlink(s *Server, c *call) ([]byte, error) {
	d := c.decoder()
	op := decodeDirop(d)
	nfs3.DecodeSattr(d)
	target := d.String(maxPath)
	if err := done(d); err != nil {
		return nil, err
	}
	dir, err := s.resolveDir(c, op)
	p := s.preOp(dir)
	var a simfs.Attr
	if err == nil {
		a, err = s.fs.Symlink(dir, op.name, target)
	}
	return s.encodeNewObject(err, a, dir, p), nil
}
