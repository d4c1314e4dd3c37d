package nfsserver

import (
	"errors"
	"net"
	"os"
	"testing"
	"time"

	"github.com/nfsmail/nfsmail/harness/fault"
	"github.com/nfsmail/nfsmail/nfs3"
)

// A reply lost after the server executed a non-idempotent call: without a
// DRC the retransmission is executed again and fails (what go-nfs-era
// clients saw); with the DRC the original success is replayed.
func TestLostReply(t *testing.T) {
	type op struct {
		proc  nfs3.Proc
		setup func(w *wire) func(*nfs3.Encoder)
		redo  nfs3.Status // status of the re-executed retransmission
	}
	ops := map[string]op{
		"RENAME": {nfs3.ProcRename, func(w *wire) func(*nfs3.Encoder) {
			w.createFile(w.root, "a")
			return func(e *nfs3.Encoder) { dirArgs(w.root, "a")(e); dirArgs(w.root, "b")(e) }
		}, nfs3.ErrNoEnt},
		"REMOVE": {nfs3.ProcRemove, func(w *wire) func(*nfs3.Encoder) {
			w.createFile(w.root, "a")
			return dirArgs(w.root, "a")
		}, nfs3.ErrNoEnt},
		"LINK": {nfs3.ProcLink, func(w *wire) func(*nfs3.Encoder) {
			fh := w.createFile(w.root, "a")
			return func(e *nfs3.Encoder) { e.Opaque(fh); dirArgs(w.root, "lock")(e) }
		}, nfs3.ErrExist},
		"CREATE": {nfs3.ProcCreate, func(w *wire) func(*nfs3.Encoder) {
			return func(e *nfs3.Encoder) {
				dirArgs(w.root, "new")(e)
				e.Uint32(nfs3.CreateGuarded)
				(&nfs3.Sattr{}).Encode(e)
			}
		}, nfs3.ErrExist},
	}
	for name, o := range ops {
		for _, drc := range []bool{false, true} {
			t.Run(name+map[bool]string{false: "/noDRC", true: "/DRC"}[drc], func(t *testing.T) {
				s, _ := planServer(t, drc, fault.Rule{Name: "lose", Proc: name, Nth: 1, Action: fault.DropReply})
				w := newWire(t, s, "h1")
				args := o.setup(w)
				_, err := w.call(nfs3.ProgNFS, 3, uint32(o.proc), args)
				var ne net.Error
				if !errors.Is(err, os.ErrDeadlineExceeded) || !errors.As(err, &ne) || !ne.Timeout() {
					t.Fatalf("lost reply: err %v, want a timeout", err)
				}
				d, err := w.resend()
				if err != nil {
					t.Fatal(err)
				}
				want := o.redo
				if drc {
					want = nfs3.OK
				}
				if st := nfs3.Status(d.Uint32()); st != want {
					t.Fatalf("retransmission: status %d, want %d", st, want)
				}
				if n := len(s.Faults().Fired()); n != 1 {
					t.Fatalf("%d firings", n)
				}
				if drc != (s.Stats().Replays == 1) {
					t.Fatalf("replays %d", s.Stats().Replays)
				}
			})
		}
	}
}

func TestStatusFaultIsInjected(t *testing.T) {
	s, _ := planServer(t, false, fault.Rule{Name: "eio", Proc: "WRITE", Path: "mail/*",
		Action: fault.Status, Status: nfs3.ErrIO})
	w := newWire(t, s, "h1")
	st, d := w.nfs(nfs3.ProcMkdir, func(e *nfs3.Encoder) { dirArgs(w.root, "mail")(e); (&nfs3.Sattr{}).Encode(e) })
	if st != nfs3.OK || !d.Bool() {
		t.Fatal(st)
	}
	dir := d.Opaque(64)
	for _, tc := range []struct {
		dir  []byte
		want nfs3.Status
	}{{w.root, nfs3.OK}, {dir, nfs3.ErrIO}} {
		fh := w.createFile(tc.dir, "f")
		st, _ := w.nfs(nfs3.ProcWrite, func(e *nfs3.Encoder) {
			e.Opaque(fh)
			e.Uint64(0)
			e.Uint32(1)
			e.Uint32(nfs3.FileSync)
			e.Opaque([]byte("x"))
		})
		if st != tc.want {
			t.Fatalf("WRITE: %d, want %d", st, tc.want)
		}
	}
	f := s.Faults().Fired()
	if len(f) != 1 || f[0].Path != "mail/f" {
		t.Fatalf("fired %v", f)
	}
	err := &fault.Error{Firing: f[0], Status: nfs3.ErrIO}
	if !errors.Is(err, fault.ErrInjected) || statusOf(err) != nfs3.ErrIO {
		t.Fatal("injected error does not carry its status")
	}
}

type chargeClock struct {
	now     time.Duration
	charged time.Duration
}

func (c *chargeClock) Now() time.Duration     { return c.now }
func (c *chargeClock) Charge(d time.Duration) { c.charged += d }

func TestDelayChargesTheClock(t *testing.T) {
	clk := &chargeClock{}
	s, _ := newServerOpts(t, Options{Clock: clk, Faults: fault.New(fault.Plan{Rules: []fault.Rule{
		{Proc: "GETATTR", Action: fault.Delay, Delay: 2 * time.Second, From: 10 * time.Second}}}, 1)})
	w := newWire(t, s, "h")
	w.getattr(w.root)
	clk.now = 10 * time.Second
	w.getattr(w.root)
	w.getattr(w.root)
	if clk.charged != 4*time.Second {
		t.Fatalf("charged %v", clk.charged)
	}
}

func TestDuplicateRequest(t *testing.T) {
	s, _ := planServer(t, false, fault.Rule{Proc: "REMOVE", Action: fault.Duplicate})
	w := newWire(t, s, "h")
	w.createFile(w.root, "a")
	st, _ := w.nfs(nfs3.ProcRemove, dirArgs(w.root, "a"))
	if st != nfs3.OK {
		t.Fatalf("first reply of a duplicated REMOVE: %d", st)
	}
	if _, a := w.getattr(w.root); a.Nlink != 2 {
		t.Fatal("root changed")
	}
}
