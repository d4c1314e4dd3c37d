package nfsserver

import (
	"github.com/nfsmail/nfsmail/nfs3"
	"github.com/nfsmail/nfsmail/nfsserver/simfs"
)

// encodeNewObject appends the result CREATE, MKDIR, SYMLINK and MKNOD
// share:
//
//	nfsstat3; OK: post_op_fh3 obj; post_op_attr obj_attributes; wcc_data dir_wcc
//	          else: wcc_data dir_wcc
func (s *Server) encodeNewObject(err error, a simfs.Attr, dir simfs.Ino, p pre) []byte {
	var e nfs3.Encoder
	encodeStatus(&e, err)
	if err == nil {
		cur, ok := s.attrOf(a.Ino)
		if ok {
			a = cur
		}
		nfs3.EncodePostOpFH(&e, makeHandle(a))
		encPostOp(&e, a, true)
	}
	s.wcc(&e, p, dir)
	return e.B
}
