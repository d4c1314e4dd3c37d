package nfsserver

import "github.com/nfsmail/nfsmail/nfs3"

// mountExport serves MOUNTPROC3_EXPORT (RFC 1813 5.2.5), which go-nfs
// lacks and libnfs calls before mounting. The export list is "/" with no
// groups:
//
//	exports: *exportnode; exportnode { dirpath ex_dir; groups ex_groups; exports ex_next }
func mountExport(*Server, *call) ([]byte, error) {
	var e nfs3.Encoder
	e.Bool(true) // an export follows
	e.String("/")
	e.Bool(false) // no groups
	e.Bool(false) // no more exports
	return e.B, nil
}
