package nfsserver

import "github.com/nfsmail/nfsmail/nfs3"

// nfsRemove serves REMOVE (RFC 1813 3.3.12): unlink a non-directory. The
// file's handle goes stale once its last name is gone. Without the DRC a
// retransmission after a lost reply gets NFS3ERR_NOENT.
//
//	REMOVE3args: diropargs3 object
//	REMOVE3res:  nfsstat3; wcc_data dir_wcc
func nfsRemove(s *Server, c *call) ([]byte, error) {
	return dirRemove(s, c, false)
}

// dirRemove serves REMOVE and RMDIR, which share their layout.
func dirRemove(s *Server, c *call, rmdir bool) ([]byte, error) {
	d := c.decoder()
	op := decodeDirop(d)
	if err := done(d); err != nil {
		return nil, err
	}
	dir, err := s.resolveDir(c, op)
	p := s.preOp(dir)
	if err == nil {
		if rmdir {
			err = s.fs.Rmdir(dir, op.name)
		} else {
			err = s.fs.Remove(dir, op.name)
		}
	}
	var e nfs3.Encoder
	encodeStatus(&e, err)
	s.wcc(&e, p, dir)
	return e.B, nil
}
