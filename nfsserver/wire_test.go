package nfsserver

import (
	"bufio"
	"testing"

	"github.com/nfsmail/nfsmail/harness/fault"
	"github.com/nfsmail/nfsmail/nfs3"
)

// wire is a test client on the nfs3 encoder that can retransmit.
type wire struct {
	t    *testing.T
	s    *Server
	conn interface {
		Read([]byte) (int, error)
		Write([]byte) (int, error)
	}
	r    *bufio.Reader
	xid  uint32
	last []byte // the last call sent, marked
	root []byte
}

func newWire(t *testing.T, s *Server, host string) *wire {
	t.Helper()
	conn, err := s.Dial(host)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	w := &wire{t: t, s: s, conn: conn, r: bufio.NewReader(conn), xid: 1000}
	d, err := w.call(nfs3.ProgMount, 3, nfs3.MountProcMnt, func(e *nfs3.Encoder) { e.String("/") })
	if err != nil || d.Uint32() != 0 {
		t.Fatalf("MNT: %v", err)
	}
	w.root = append([]byte(nil), d.Opaque(64)...)
	return w
}

// call sends a new call (new XID) and waits for its reply.
func (w *wire) call(prog, vers, proc uint32, args func(*nfs3.Encoder)) (*nfs3.Decoder, error) {
	w.xid++
	var e nfs3.Encoder
	nfs3.EncodeCall(&e, nfs3.Call{XID: w.xid, Prog: prog, Vers: vers, Proc: proc, Machine: "test"})
	if args != nil {
		args(&e)
	}
	w.last = nfs3.MarkRecord(e.B)
	return w.resend()
}

// resend retransmits the last call (same XID and bytes).
func (w *wire) resend() (*nfs3.Decoder, error) {
	if _, err := w.conn.Write(w.last); err != nil {
		return nil, err
	}
	for {
		msg, err := nfs3.ReadRecord(w.r, nil)
		if err != nil {
			return nil, err
		}
		xid, d, err := nfs3.DecodeReply(msg)
		if xid == w.xid {
			return d, err
		}
	}
}

// nfs calls an NFS procedure and returns its status and the decoder.
func (w *wire) nfs(proc nfs3.Proc, args func(*nfs3.Encoder)) (nfs3.Status, *nfs3.Decoder) {
	w.t.Helper()
	d, err := w.call(nfs3.ProgNFS, 3, uint32(proc), args)
	if err != nil {
		w.t.Fatalf("%s: %v", proc, err)
	}
	return nfs3.Status(d.Uint32()), d
}

func dirArgs(fh []byte, name string) func(*nfs3.Encoder) {
	return func(e *nfs3.Encoder) {
		e.Opaque(fh)
		e.String(name)
	}
}

// createFile makes dir/name (GUARDED) and returns its handle.
func (w *wire) createFile(dir []byte, name string) []byte {
	w.t.Helper()
	st, d := w.nfs(nfs3.ProcCreate, func(e *nfs3.Encoder) {
		dirArgs(dir, name)(e)
		e.Uint32(nfs3.CreateGuarded)
		(&nfs3.Sattr{}).Encode(e)
	})
	if st != nfs3.OK || !d.Bool() {
		w.t.Fatalf("CREATE %s: %d", name, st)
	}
	return append([]byte(nil), d.Opaque(64)...)
}

func (w *wire) getattr(fh []byte) (nfs3.Status, nfs3.Fattr) {
	st, d := w.nfs(nfs3.ProcGetattr, func(e *nfs3.Encoder) { e.Opaque(fh) })
	if st != nfs3.OK {
		return st, nfs3.Fattr{}
	}
	return st, nfs3.DecodeFattr(d)
}

// planServer starts a server with a fault plan.
func planServer(t *testing.T, drc bool, rules ...fault.Rule) (*Server, *clock) {
	t.Helper()
	s, clk := newServerOpts(t, Options{WriteVerifier: verf, DRC: drc,
		Faults: fault.New(fault.Plan{Rules: rules}, 1)})
	return s, clk
}
