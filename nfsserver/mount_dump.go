package nfsserver

import "github.com/nfsmail/nfsmail/nfs3"

// mountDump serves MOUNTPROC3_DUMP (RFC 1813 5.2.2), which go-nfs lacks:
// the server keeps no mount list (mounts are stateless), so the list is
// empty.
func mountDump(*Server, *call) ([]byte, error) {
	var e nfs3.Encoder
	e.Bool(false)
	return e.B, nil
}
