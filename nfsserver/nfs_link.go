package nfsserver

// maxName is the longest file name accepted (NAME_MAX).
const maxName = 255

// nfsLink serves NFSPROC3_LINK (RFC 1813 3.3.15), which go-nfs decodes
// wrongly:
//
//	LINK3args: nfs_fh3 file; diropargs3 link (nfs_fh3 dir; filename3 name)
//	LINK3res:  nfsstat3; post_op_attr file_attributes; wcc_data linkdir_wcc
//
// The result layout is the same on success and failure. Linking is atomic
// in the store: an existing name gives NFS3ERR_EXIST, so the link()+nlink
// dotlock works.
func nfsLink(s *Server, c *call) ([]byte, error) {
	r := xdrReader{b: c.args}
	fileFH := r.opaque(fhSize)
	dirFH := r.opaque(fhSize)
	name := r.opaque(len(r.b))
	if r.err != nil {
		return nil, r.err
	}
	file, ferr := s.h.ino(fileFH)
	dir, derr := s.h.ino(dirFH)
	pre := s.attrOf(dir, derr)
	err := firstErr(ferr, derr)
	if err == nil && len(name) > maxName {
		err = errNameTooLong
	}
	if err == nil {
		_, err = s.fs.Link(file, dir, string(name))
	}
	var w xdrWriter
	w.uint32(uint32(statusOf(err)))
	postOp(&w, s.attrOf(file, ferr))
	wcc(&w, pre, s.attrOf(dir, derr))
	return w.b, nil
}

func firstErr(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}
