package nfsserver

import (
	nfs "github.com/willscott/go-nfs"

	"github.com/nfsmail/nfsmail/nfsserver/simfs"
)

// wireAttr encodes attributes exactly as go-nfs does for the procedures it
// serves (nfs.ToFileAttribute: atime = mtime = ctime = mtime, Go mode
// bits), so every reply a client sees agrees. Serve the attribute-returning
// procedures ourselves before changing this to report real ctime/atime.
func wireAttr(a simfs.Attr) *nfs.FileAttribute {
	return nfs.ToFileAttribute(a.Info(""), "")
}

// attrState is an inode's attributes if they could be read.
type attrState struct {
	a  simfs.Attr
	ok bool
}

func (s *Server) attrOf(ino simfs.Ino, err error) attrState {
	if err != nil {
		return attrState{}
	}
	a, err := s.fs.GetAttr(ino)
	return attrState{a: a, ok: err == nil}
}

// postOp writes post_op_attr.
func postOp(w *xdrWriter, st attrState) {
	if !st.ok {
		_ = nfs.WritePostOpAttrs(w, nil)
		return
	}
	_ = nfs.WritePostOpAttrs(w, wireAttr(st.a))
}

// wcc writes wcc_data from pre- and post-operation attributes.
func wcc(w *xdrWriter, pre, post attrState) {
	var preC *nfs.FileCacheAttribute
	var postA *nfs.FileAttribute
	if pre.ok {
		preC = wireAttr(pre.a).AsCache()
	}
	if post.ok {
		postA = wireAttr(post.a)
	}
	_ = nfs.WriteWcc(w, preC, postA)
}
