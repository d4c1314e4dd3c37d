package nfsserver

// mountExport serves MOUNTPROC3_EXPORT (RFC 1813 5.2.5), which go-nfs
// lacks and libnfs calls before mounting. The export list is "/" with no
// groups:
//
//	exports: *exportnode; exportnode { dirpath ex_dir; groups ex_groups; exports ex_next }
func mountExport(*Server, *call) ([]byte, error) {
	var w xdrWriter
	w.bool(true) // an export follows
	w.opaque([]byte("/"))
	w.bool(false) // no groups
	w.bool(false) // no more exports
	return w.b, nil
}
