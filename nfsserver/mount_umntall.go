package nfsserver

// mountUmntall serves MOUNTPROC3_UMNTALL (RFC 1813 5.2.4), which go-nfs
// lacks: there is no mount list to clear, so it just succeeds (void).
func mountUmntall(*Server, *call) ([]byte, error) {
	return nil, nil
}
