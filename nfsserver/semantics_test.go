package nfsserver

import (
	"testing"
	"time"

	"github.com/nfsmail/nfsmail/nfs3"
)

func write(w *wire, fh []byte, off uint64, data string, stable uint32) (nfs3.Status, uint32, [8]byte) {
	st, d := w.nfs(nfs3.ProcWrite, func(e *nfs3.Encoder) {
		e.Opaque(fh)
		e.Uint64(off)
		e.Uint32(uint32(len(data)))
		e.Uint32(stable)
		e.Opaque([]byte(data))
	})
	nfs3.DecodeWcc(d)
	var v [8]byte
	if st != nfs3.OK {
		return st, 0, v
	}
	d.Uint32()
	committed := d.Uint32()
	copy(v[:], d.Fixed(8))
	return st, committed, v
}

func readAll(w *wire, fh []byte) string {
	st, d := w.nfs(nfs3.ProcRead, func(e *nfs3.Encoder) { e.Opaque(fh); e.Uint64(0); e.Uint32(1 << 20) })
	if st != nfs3.OK {
		w.t.Fatalf("READ: %d", st)
	}
	nfs3.DecodePostOpAttr(d)
	d.Uint32()
	d.Bool()
	return string(d.Opaque(1 << 20))
}

// UNSTABLE writes are answered UNSTABLE and lost by a restart, which
// changes the verifier; committed and FILE_SYNC data survive.
func TestRestartDropsUnstableWrites(t *testing.T) {
	s, _ := newServer(t)
	w := newWire(t, s, "h")
	a, b := w.createFile(w.root, "a"), w.createFile(w.root, "b")
	if _, how, v := write(w, a, 0, "stable", nfs3.Unstable); how != nfs3.Unstable || v != verf {
		t.Fatalf("UNSTABLE answered %d verifier %x", how, v)
	}
	st, d := w.nfs(nfs3.ProcCommit, func(e *nfs3.Encoder) { e.Opaque(a); e.Uint64(0); e.Uint32(0) })
	if nfs3.DecodeWcc(d); st != nfs3.OK || [8]byte(d.Fixed(8)) != verf {
		t.Fatalf("COMMIT: %d", st)
	}
	write(w, a, 6, "+lost", nfs3.Unstable)
	write(w, b, 0, "synced", nfs3.FileSync)
	write(w, b, 6, "+lost", nfs3.Unstable)
	if got := readAll(w, a); got != "stable+lost" {
		t.Fatalf("before restart: %q", got)
	}
	s.Restart()
	if got := readAll(w, a) + "|" + readAll(w, b); got != "stable|synced" {
		t.Fatalf("after restart: %q", got)
	}
	if _, _, v := write(w, a, 0, "x", nfs3.Unstable); v == verf {
		t.Fatal("verifier unchanged by restart")
	}
	if _, st2 := w.getattr(a); st2.Size != 6 {
		t.Fatal("handle invalid after restart")
	}
}

func TestCreateExclusive(t *testing.T) {
	s, _ := newServer(t)
	w := newWire(t, s, "h")
	excl := func(v byte) (nfs3.Status, []byte) {
		st, d := w.nfs(nfs3.ProcCreate, func(e *nfs3.Encoder) {
			dirArgs(w.root, "lock")(e)
			e.Uint32(nfs3.CreateExclusive)
			e.Fixed([]byte{v, 0, 0, 0, 0, 0, 0, 1})
		})
		if st != nfs3.OK || !d.Bool() {
			return st, nil
		}
		return st, d.Opaque(64)
	}
	st1, fh1 := excl(1)
	st2, fh2 := excl(1) // a retransmission
	st3, _ := excl(2)   // another client
	if st1 != nfs3.OK || st2 != nfs3.OK || string(fh1) != string(fh2) || st3 != nfs3.ErrExist {
		t.Fatalf("EXCLUSIVE: %d %d %d", st1, st2, st3)
	}
}

// Modifying replies carry pre-op attributes equal to what the client saw,
// and ctime-only changes are visible.
func TestWccAndDistinctTimes(t *testing.T) {
	s, clk := newServer(t)
	w := newWire(t, s, "h")
	_, before := w.getattr(w.root)
	clk.t = clk.t.Add(time.Second)
	st, d := w.nfs(nfs3.ProcCreate, func(e *nfs3.Encoder) {
		dirArgs(w.root, "f")(e)
		e.Uint32(nfs3.CreateUnchecked)
		(&nfs3.Sattr{}).Encode(e)
	})
	d.Bool()
	fh := d.Opaque(64)
	nfs3.DecodePostOpAttr(d)
	wcc := nfs3.DecodeWcc(d)
	if st != nfs3.OK || !wcc.HasBefore || !wcc.Before.Ctime.Equal(before.Ctime) || !wcc.HasAfter ||
		!wcc.After.Mtime.Equal(clk.t) {
		t.Fatalf("CREATE wcc %+v", wcc)
	}
	clk.t = clk.t.Add(time.Second)
	st, d = w.nfs(nfs3.ProcLink, func(e *nfs3.Encoder) { e.Opaque(fh); dirArgs(w.root, "g")(e) })
	a, _ := nfs3.DecodePostOpAttr(d)
	if st != nfs3.OK || a.Nlink != 2 || !a.Ctime.Equal(clk.t) || a.Mtime.Equal(a.Ctime) || a.FileID < 2 {
		t.Fatalf("LINK attrs %+v", a)
	}
	if wcc := nfs3.DecodeWcc(d); !wcc.HasBefore {
		t.Fatal("LINK without pre-op attributes")
	}
	if a.Mode != 0o644 || a.Type != nfs3.TypeReg {
		t.Fatalf("mode %o type %d", a.Mode, a.Type)
	}
}

func TestGranularityFault(t *testing.T) {
	s, clk := newServer(t)
	s.FS().SetGranularity(time.Second)
	clk.t = clk.t.Add(1500 * time.Millisecond)
	w := newWire(t, s, "h")
	fh := w.createFile(w.root, "f")
	if _, a := w.getattr(fh); a.Mtime.Nanosecond() != 0 {
		t.Fatalf("mtime %v not truncated to 1s", a.Mtime)
	}
}
