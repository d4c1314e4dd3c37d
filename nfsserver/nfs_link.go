package nfsserver

import "github.com/nfsmail/nfsmail/nfs3"

// nfsLink serves LINK (RFC 1813 3.3.15), which go-nfs decodes wrongly.
// Linking is atomic in the store: an existing name gives NFS3ERR_EXIST and
// the file's nlink is exact, so the link()+nlink dotlock works.
//
//	LINK3args: nfs_fh3 file; diropargs3 link
//	LINK3res:  nfsstat3; post_op_attr file_attributes; wcc_data linkdir_wcc
func nfsLink(s *Server, c *call) ([]byte, error) {
	d := c.decoder()
	fileFH := d.Opaque(nfs3.MaxFileHandle)
	op := decodeDirop(d)
	if err := done(d); err != nil {
		return nil, err
	}
	file, ferr := s.h.ino(fileFH)
	dir, derr := s.resolveDir(c, op)
	p := s.preOp(dir)
	err := firstErr(ferr, derr)
	if err == nil {
		_, err = s.fs.Link(file, dir, op.name)
	}
	var e nfs3.Encoder
	encodeStatus(&e, err)
	s.postOp(&e, file)
	s.wcc(&e, p, dir)
	return e.B, nil
}
