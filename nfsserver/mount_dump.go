package nfsserver

// mountDump serves MOUNTPROC3_DUMP (RFC 1813 5.2.2), which go-nfs lacks:
// the server keeps no mount list, so the list is empty.
func mountDump(*Server, *call) ([]byte, error) {
	var w xdrWriter
	w.bool(false)
	return w.b, nil
}
