package nfsserver

// nfsRmdir serves RMDIR (RFC 1813 3.3.13): only empty directories
// (NFS3ERR_NOTEMPTY otherwise, NFS3ERR_NOTDIR for files).
//
//	RMDIR3args: diropargs3 object
//	RMDIR3res:  nfsstat3; wcc_data dir_wcc
func nfsRmdir(s *Server, c *call) ([]byte, error) {
	return dirRemove(s, c, true)
}
