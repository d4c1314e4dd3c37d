package nfsserver

import (
	"fmt"

	"github.com/nfsmail/nfsmail/nfs3"
)

// serveFunc answers one call. It returns the results that follow a
// SUCCESS accept_stat, or errGarbage when the arguments do not decode.
type serveFunc func(s *Server, c *call) ([]byte, error)

// procedure describes one procedure of a program.
type procedure struct {
	name string
	// serve answers the call in the dispatcher; nil sends it to go-nfs.
	serve serveFunc
	// shape checks the arguments of a call for go-nfs ("o" = one opaque
	// or string), whose decoder would allocate whatever length garbage
	// claims; a mismatch is answered with GARBAGE_ARGS.
	shape string
	// nonIdem marks procedures whose replies the DRC keeps. Only NFS
	// procedures: lockd keeps no duplicate request cache (NLM requests are
	// retried by the client and answered afresh).
	nonIdem bool
	// target tells how to find the path faults match: "h" = the object of
	// the leading handle, "d" = the name in the leading diropargs, "l" =
	// LINK's new name.
	target string
}

type program struct {
	name      string
	low, high uint32
	procs     []procedure
}

// programs is the dispatch table; doc.go explains who serves what.
var programs = map[uint32]*program{
	nfs3.ProgNFS: {name: "NFS", low: 3, high: 3, procs: []procedure{
		0:  {name: "NULL"},
		1:  {name: "GETATTR", serve: nfsGetattr, target: "h"},
		2:  {name: "SETATTR", serve: nfsSetattr, target: "h", nonIdem: true},
		3:  {name: "LOOKUP", serve: nfsLookup, target: "d"},
		4:  {name: "ACCESS", serve: nfsAccess, target: "h"},
		5:  {name: "READLINK", serve: nfsReadlink, target: "h"},
		6:  {name: "READ", serve: nfsRead, target: "h"},
		7:  {name: "WRITE", serve: nfsWrite, target: "h", nonIdem: true},
		8:  {name: "CREATE", serve: nfsCreate, target: "d", nonIdem: true},
		9:  {name: "MKDIR", serve: nfsMkdir, target: "d", nonIdem: true},
		10: {name: "SYMLINK", serve: nfsSymlink, target: "d", nonIdem: true},
		11: {name: "MKNOD", serve: nfsMknod, target: "d", nonIdem: true},
		12: {name: "REMOVE", serve: nfsRemove, target: "d", nonIdem: true},
		13: {name: "RMDIR", serve: nfsRmdir, target: "d", nonIdem: true},
		14: {name: "RENAME", serve: nfsRename, target: "d", nonIdem: true},
		15: {name: "LINK", serve: nfsLink, target: "l", nonIdem: true},
		16: {name: "READDIR", serve: nfsReaddir, target: "h"},
		17: {name: "READDIRPLUS", serve: nfsReaddirplus, target: "h"},
		18: {name: "FSSTAT", serve: nfsFsstat, target: "h"},
		19: {name: "FSINFO", serve: nfsFsinfo, target: "h"},
		20: {name: "PATHCONF", serve: nfsPathconf, target: "h"},
		21: {name: "COMMIT", serve: nfsCommit, target: "h"},
	}},
	nfs3.ProgMount: {name: "MOUNT", low: 3, high: 3, procs: []procedure{
		0: {name: "NULL"},
		1: {name: "MNT", shape: "o"},
		2: {name: "DUMP", serve: mountDump},
		3: {name: "UMNT", shape: "o"},
		4: {name: "UMNTALL", serve: mountUmntall},
		5: {name: "EXPORT", serve: mountExport},
	}},
	nfs3.ProgNLM: {name: "NLM", low: 4, high: 4, procs: []procedure{
		0:  {name: "NULL", serve: nlmNull},
		1:  {name: "TEST", serve: nlmTest},
		2:  {name: "LOCK", serve: nlmLock},
		3:  {name: "CANCEL", serve: nlmCancel},
		4:  {name: "UNLOCK", serve: nlmUnlock},
		5:  {name: "GRANTED"},
		6:  {name: "TEST_MSG"},
		7:  {name: "LOCK_MSG"},
		8:  {name: "CANCEL_MSG"},
		9:  {name: "UNLOCK_MSG"},
		10: {name: "GRANTED_MSG"},
		11: {name: "TEST_RES"},
		12: {name: "LOCK_RES"},
		13: {name: "CANCEL_RES"},
		14: {name: "UNLOCK_RES"},
		15: {name: "GRANTED_RES"},
		16: {name: "PROC16"},
		17: {name: "PROC17"},
		18: {name: "PROC18"},
		19: {name: "PROC19"},
		20: {name: "SHARE"},
		21: {name: "UNSHARE"},
		22: {name: "NM_LOCK"},
		23: {name: "FREE_ALL", serve: nlmFreeAll},
	}},
}

// names returns the program and procedure names used in statistics.
func names(prog, proc uint32) (string, string) {
	p, ok := programs[prog]
	if !ok {
		return fmt.Sprintf("PROG%d", prog), fmt.Sprintf("PROC%d", proc)
	}
	if int64(proc) < int64(len(p.procs)) {
		return p.name, p.procs[proc].name
	}
	return p.name, fmt.Sprintf("PROC%d", proc)
}

// lookupProc checks the call header: it returns the procedure, or the
// error reply to send.
func lookupProc(c *call) (*program, *procedure, []byte) {
	if c.RPCVers != nfs3.RPCVersion {
		return nil, nil, rpcMismatchReply(c.XID)
	}
	if c.CredFlavor != nfs3.AuthNone && c.CredFlavor != nfs3.AuthSys {
		return nil, nil, authErrorReply(c.XID, nfs3.AuthTooWeak)
	}
	p, ok := programs[c.Prog]
	switch {
	case !ok:
		return nil, nil, acceptedReply(c.XID, nfs3.AcceptProgUnavail, nil)
	case c.Vers < p.low || c.Vers > p.high:
		return nil, nil, progMismatchReply(c.XID, p.low, p.high)
	case int64(c.Proc) >= int64(len(p.procs)):
		return nil, nil, acceptedReply(c.XID, nfs3.AcceptProcUnavail, nil)
	}
	proc := &p.procs[c.Proc]
	if proc.serve == nil && c.Prog == nfs3.ProgNLM {
		return nil, nil, acceptedReply(c.XID, nfs3.AcceptProcUnavail, nil)
	}
	return p, proc, nil
}

// shapeOK checks the leading arguments of a call for go-nfs.
func shapeOK(shape string, args []byte) bool {
	d := nfs3.Decoder{B: args}
	for _, k := range shape {
		if k == 'o' {
			d.Opaque(1024)
		}
	}
	return d.Err() == nil
}
