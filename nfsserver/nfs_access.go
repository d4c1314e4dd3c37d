package nfsserver

import (
	"github.com/nfsmail/nfsmail/nfs3"
	"github.com/nfsmail/nfsmail/nfsserver/simfs"
)

// ACCESS3 bits.
const (
	accessRead    = 0x01
	accessLookup  = 0x02
	accessModify  = 0x04
	accessExtend  = 0x08
	accessDelete  = 0x10
	accessExecute = 0x20
)

// nfsAccess serves ACCESS (RFC 1813 3.3.4). There is no permission model
// (every caller is root on a no_root_squash export), so everything asked
// for that applies to the object's type is granted.
//
//	ACCESS3args: nfs_fh3 object; uint32 access
//	ACCESS3res:  nfsstat3; post_op_attr obj; OK: uint32 access
func nfsAccess(s *Server, c *call) ([]byte, error) {
	d := c.decoder()
	fh := d.Opaque(nfs3.MaxFileHandle)
	want := d.Uint32()
	if err := done(d); err != nil {
		return nil, err
	}
	ino, err := s.resolve(c, fh)
	a, ok := s.attrOf(ino)
	if err == nil && !ok {
		err = errStale
	}
	var e nfs3.Encoder
	encodeStatus(&e, err)
	encPostOp(&e, a, ok)
	if err == nil {
		allowed := uint32(accessRead | accessModify | accessExtend | accessExecute)
		if a.Type == simfs.TypeDir {
			allowed = accessRead | accessLookup | accessModify | accessExtend | accessDelete
		}
		e.Uint32(want & allowed)
	}
	return e.B, nil
}
