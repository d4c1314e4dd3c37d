package nfsserver

import (
	"github.com/nfsmail/nfsmail/nfsserver/simfs"
	"github.com/nfsmail/nfsmail/vfs"
)

// nfsMknod serves MKNOD (RFC 1813 3.3.11): the store holds no device
// files, FIFOs or sockets, so it answers NFS3ERR_NOTSUPP (after checking
// the directory, as a server would).
//
//	MKNOD3args: diropargs3 where; mknoddata3 what
//	MKNOD3res:  see encodeNewObject
func nfsMknod(s *Server, c *call) ([]byte, error) {
	d := c.decoder()
	op := decodeDirop(d)
	if err := done(d); err != nil {
		return nil, err
	}
	dir, err := s.resolveDir(c, op)
	p := s.preOp(dir)
	if err == nil {
		err = vfs.ErrUnsupported
	}
	return s.encodeNewObject(err, simfs.Attr{}, dir, p), nil
}
