package nfsserver

import "fmt"

// Program numbers.
const (
	progNFS   = 100003
	progMount = 100005
)

// serveFunc answers one call itself. It returns the results that follow a
// SUCCESS accept_stat, or errGarbage when the arguments do not decode.
type serveFunc func(s *Server, c *call) ([]byte, error)

// procedure describes one procedure of a program.
type procedure struct {
	name string
	// serve, if set, answers the call in the dispatcher; otherwise the call
	// goes to go-nfs.
	serve serveFunc
	// shape lists the leading arguments checked before a call goes to
	// go-nfs, whose decoder would allocate whatever length garbage claims:
	// h = nfs_fh3 (opaque, at most 64 bytes), o = opaque/string, u = uint32,
	// U = uint64, s = sattr3. A mismatch is answered with GARBAGE_ARGS.
	shape string
}

type program struct {
	name      string
	low, high uint32
	procs     []procedure
}

// programs is the dispatch table. To serve another procedure ourselves, add
// a file with its serveFunc and set serve here.
var programs = map[uint32]*program{
	progNFS: {name: "NFS", low: 3, high: 3, procs: []procedure{
		0:  {name: "NULL"},
		1:  {name: "GETATTR", shape: "h"},
		2:  {name: "SETATTR", serve: nfsSetattr},
		3:  {name: "LOOKUP", shape: "ho"},
		4:  {name: "ACCESS", shape: "hu"},
		5:  {name: "READLINK", shape: "h"},
		6:  {name: "READ", shape: "hUu"},
		7:  {name: "WRITE", shape: "hUuuo"},
		8:  {name: "CREATE", shape: "ho"},
		9:  {name: "MKDIR", shape: "hos"},
		10: {name: "SYMLINK", shape: "hoso"},
		11: {name: "MKNOD", shape: "ho"},
		12: {name: "REMOVE", shape: "ho"},
		13: {name: "RMDIR", shape: "ho"},
		14: {name: "RENAME", shape: "hoho"},
		15: {name: "LINK", serve: nfsLink},
		16: {name: "READDIR", shape: "hUUu"},
		17: {name: "READDIRPLUS", shape: "hUUuu"},
		18: {name: "FSSTAT", shape: "h"},
		19: {name: "FSINFO", shape: "h"},
		20: {name: "PATHCONF", shape: "h"},
		21: {name: "COMMIT", shape: "hUu"},
	}},
	progMount: {name: "MOUNT", low: 3, high: 3, procs: []procedure{
		0: {name: "NULL"},
		1: {name: "MNT", shape: "o"},
		2: {name: "DUMP", serve: mountDump},
		3: {name: "UMNT", shape: "o"},
		4: {name: "UMNTALL", serve: mountUmntall},
		5: {name: "EXPORT", serve: mountExport},
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

// dispatch counts a call and decides its fate: a reply record to send, or
// forward true to hand the call to go-nfs.
func (s *Server) dispatch(host string, c *call) (reply []byte, forward bool) {
	s.stats.add(host, c.prog, c.vers, c.proc)
	if c.rpcvers != rpcVersion {
		return rpcMismatchReply(c.xid), false
	}
	p, ok := programs[c.prog]
	switch {
	case !ok:
		return acceptedReply(c.xid, acceptProgUnavail, nil), false
	case c.vers < p.low || c.vers > p.high:
		return progMismatchReply(c.xid, p.low, p.high), false
	case int64(c.proc) >= int64(len(p.procs)):
		return acceptedReply(c.xid, acceptProcUnavail, nil), false
	}
	proc := p.procs[c.proc]
	if proc.serve == nil {
		if !shapeOK(proc.shape, c.args) {
			return acceptedReply(c.xid, acceptGarbageArgs, nil), false
		}
		return nil, true
	}
	body, err := proc.serve(s, c)
	if err != nil {
		return acceptedReply(c.xid, acceptGarbageArgs, nil), false
	}
	return acceptedReply(c.xid, acceptSuccess, body), false
}

// shapeOK checks the leading arguments against shape.
func shapeOK(shape string, args []byte) bool {
	r := xdrReader{b: args}
	for _, k := range shape {
		switch k {
		case 'h':
			r.opaque(fhSize)
		case 'o':
			r.opaque(len(r.b))
		case 'u':
			r.uint32()
		case 'U':
			r.uint64()
		case 's':
			readSattr(&r)
		}
	}
	return r.err == nil
}
