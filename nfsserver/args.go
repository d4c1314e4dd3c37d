package nfsserver

import (
	"github.com/nfsmail/nfsmail/nfs3"
	"github.com/nfsmail/nfsmail/nfsserver/simfs"
)

// maxName is the longest file name accepted (NAME_MAX); longer names get
// NFS3ERR_NAMETOOLONG.
const maxName = 255

// maxPath bounds symlink targets (PATH_MAX).
const maxPath = 4096

// dirop is decoded diropargs3 (directory handle and a name).
type dirop struct {
	fh   []byte
	name string
}

func decodeDirop(d *nfs3.Decoder) dirop {
	fh := d.Opaque(nfs3.MaxFileHandle)
	return dirop{fh: fh, name: string(d.Opaque(1024))}
}

// resolveDir resolves a dirop's directory and checks its name; the
// directory's inode is returned even when the name is bad (for wcc).
func (s *Server) resolveDir(c *call, op dirop) (simfs.Ino, error) {
	dir, err := s.h.ino(op.fh)
	if err != nil {
		return 0, err
	}
	if len(op.name) > maxName {
		return dir, errNameTooLong
	}
	return dir, c.inject
}

// resolve resolves a handle, then applies an injected fault.
func (s *Server) resolve(c *call, fh []byte) (simfs.Ino, error) {
	ino, err := s.h.ino(fh)
	if err != nil {
		return 0, err
	}
	return ino, c.inject
}

// encodeStatus starts a result with the status of err.
func encodeStatus(e *nfs3.Encoder, err error) {
	e.Uint32(uint32(statusOf(err)))
}
