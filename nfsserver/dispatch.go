package nfsserver

import (
	"github.com/nfsmail/nfsmail/harness/fault"
	"github.com/nfsmail/nfsmail/nfs3"
)

// handle serves one request record from cn: it counts the call, answers
// RPC-level errors, applies faults, and serves the call or forwards it to
// go-nfs. An error closes the connection (the record was not a call).
func (s *Server) handle(cn *conn, rec []byte) error {
	hdr, d, err := nfs3.DecodeCall(rec)
	if err != nil {
		return err
	}
	s.stats.add(cn.host, hdr.Prog, hdr.Vers, hdr.Proc)
	c := &call{CallHeader: hdr, args: d.Remaining(), host: cn.host}
	prog, proc, errReply := lookupProc(c)
	if errReply != nil {
		return cn.sendMsg(errReply)
	}
	if proc.serve == nil && !shapeOK(proc.shape, c.args) {
		return cn.sendMsg(acceptedReply(c.XID, nfs3.AcceptGarbageArgs, nil))
	}
	lost, twice := s.applyFaults(c, prog, proc)
	if proc.serve == nil {
		cn.forward(rec, c.XID, lost, twice)
		return nil
	}
	reply := s.execute(cn, c, proc, rec)
	var again []byte
	if twice {
		again = s.execute(cn, c, proc, rec)
	}
	if lost {
		cn.lose()
	} else if err := cn.sendMsg(reply); err != nil {
		return err
	}
	if again != nil {
		return cn.sendMsg(again)
	}
	return nil
}

// serveInline serves rec on the caller's goroutine if it is a well-formed
// call of a procedure this package serves itself (not forwarded to go-nfs),
// and reports whether it did. Only one call is in flight per in-memory
// connection, so the dispatcher's goroutine is idle meanwhile.
func (s *Server) serveInline(cn *conn, rec []byte) bool {
	hdr, _, err := nfs3.DecodeCall(rec)
	if err != nil {
		return false
	}
	p, ok := programs[hdr.Prog]
	if !ok || hdr.Vers < p.low || hdr.Vers > p.high || int64(hdr.Proc) >= int64(len(p.procs)) || p.procs[hdr.Proc].serve == nil {
		return false
	}
	if err := s.handle(cn, rec); err != nil {
		cn.Close()
	}
	return true
}

// applyFaults asks the fault engine about c and applies restart and delay
// at once; a status or lock fault is left on c for the procedure; lost and
// twice tell the caller to drop the reply or run the request twice.
func (s *Server) applyFaults(c *call, prog *program, proc *procedure) (lost, twice bool) {
	eng := s.opts.Faults
	if eng == nil {
		return false, false
	}
	fc := fault.Call{Host: c.host, Program: prog.name, Procedure: proc.name, Now: s.now()}
	if eng.NeedsPath() {
		fc.Path = s.targetPath(c, proc.target)
	}
	for _, a := range eng.Decide(fc) {
		switch a.Kind {
		case fault.Restart:
			s.Restart()
		case fault.Delay:
			s.clock.Charge(a.Delay)
		case fault.Status:
			f, _ := eng.Last(a.Rule)
			c.inject = &fault.Error{Firing: f, Status: a.Status}
		case fault.LoseLock, fault.DoubleGrant:
			c.lockFault = a.Kind
		case fault.DropReply:
			lost = true
		case fault.Duplicate:
			twice = true
		}
	}
	return lost, twice
}

// execute runs a call we serve, through the DRC when it is on.
func (s *Server) execute(cn *conn, c *call, proc *procedure, rec []byte) []byte {
	s.exec.Lock()
	defer s.exec.Unlock()
	cache := s.drc != nil && proc.nonIdem
	var key drcKey
	if cache {
		key = keyOf(cn.peer, c, rec)
		if r, ok := s.drc.get(key); ok {
			s.stats.replayed()
			return r
		}
	}
	reply := s.run(c, proc)
	if cache {
		s.drc.put(key, reply)
	}
	return reply
}

// run calls the procedure; a panic (a server bug) becomes SYSTEM_ERR and
// is counted, so garbage can never take the process down.
func (s *Server) run(c *call, proc *procedure) (reply []byte) {
	defer func() {
		if r := recover(); r != nil {
			s.stats.panicked(r)
			reply = acceptedReply(c.XID, nfs3.AcceptSystemErr, nil)
		}
	}()
	body, err := proc.serve(s, c)
	if err != nil {
		return acceptedReply(c.XID, nfs3.AcceptGarbageArgs, nil)
	}
	return acceptedReply(c.XID, nfs3.AcceptSuccess, body)
}

// targetPath works out the path a call is about, for path-matching
// faults; "" when unknown.
func (s *Server) targetPath(c *call, how string) string {
	d := c.decoder()
	if how == "l" {
		d.Opaque(nfs3.MaxFileHandle)
		how = "d"
	}
	ino, err := s.h.ino(d.Opaque(nfs3.MaxFileHandle))
	if how == "" || err != nil {
		return ""
	}
	p, err := s.fs.PathOf(ino)
	if err != nil {
		return ""
	}
	if how == "d" {
		name := d.String(maxName)
		if d.Err() != nil {
			return ""
		}
		return joinPath(p, name)
	}
	return trimDot(p)
}

func joinPath(dir, name string) string {
	if dir == "." || dir == "" {
		return name
	}
	return dir + "/" + name
}

func trimDot(p string) string {
	if p == "." {
		return ""
	}
	return p
}
