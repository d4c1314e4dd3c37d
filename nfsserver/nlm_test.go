package nfsserver

import (
	"testing"
	"time"

	"github.com/nfsmail/nfsmail/harness/fault"
	"github.com/nfsmail/nfsmail/nfs3"
)

// nlmLockCall sends NLM4 LOCK for the whole file.
func nlmLockCall(w *wire, host string, fh []byte, block, reclaim bool) nfs3.NLMStat {
	w.t.Helper()
	d, err := w.call(nfs3.ProgNLM, 4, nfs3.NLMProcLock, func(e *nfs3.Encoder) {
		(&nfs3.NLMLockArgs{Cookie: []byte("c"), Block: block, Exclusive: true, Reclaim: reclaim,
			Lock: nfs3.NLMLock{CallerName: host, FH: fh, OH: []byte(host + "/1"), SVID: 1}}).Encode(e)
	})
	if err != nil {
		w.t.Fatal(err)
	}
	res := nfs3.DecodeNLMRes(d)
	if d.Err() != nil || string(res.Cookie) != "c" {
		w.t.Fatalf("LOCK reply: %v %q", d.Err(), res.Cookie)
	}
	return res.Stat
}

func nlmSimple(w *wire, proc uint32, host string, fh []byte) nfs3.NLMStat {
	w.t.Helper()
	lock := nfs3.NLMLock{CallerName: host, FH: fh, OH: []byte(host + "/1"), SVID: 1}
	d, err := w.call(nfs3.ProgNLM, 4, proc, func(e *nfs3.Encoder) {
		switch proc {
		case nfs3.NLMProcUnlock:
			(&nfs3.NLMUnlockArgs{Lock: lock}).Encode(e)
		case nfs3.NLMProcCancel:
			(&nfs3.NLMCancelArgs{Block: true, Exclusive: true, Lock: lock}).Encode(e)
		case nfs3.NLMProcTest:
			(&nfs3.NLMTestArgs{Exclusive: true, Lock: lock}).Encode(e)
		}
	})
	if err != nil {
		w.t.Fatal(err)
	}
	if proc == nfs3.NLMProcTest {
		return nfs3.DecodeNLMTestRes(d).Stat
	}
	return nfs3.DecodeNLMRes(d).Stat
}

func TestNLMLocking(t *testing.T) {
	s, clk := newServer(t)
	a, b := newWire(t, s, "a"), newWire(t, s, "b")
	fh := a.createFile(a.root, "dovecot.index.log")
	steps := []struct {
		name string
		got  func() nfs3.NLMStat
		want nfs3.NLMStat
	}{
		{"a locks", func() nfs3.NLMStat { return nlmLockCall(a, "a", fh, false, false) }, nfs3.NLMGranted},
		{"a relocks", func() nfs3.NLMStat { return nlmLockCall(a, "a", fh, false, false) }, nfs3.NLMGranted},
		{"b tries", func() nfs3.NLMStat { return nlmLockCall(b, "b", fh, false, false) }, nfs3.NLMDenied},
		{"b tests", func() nfs3.NLMStat { return nlmSimple(b, nfs3.NLMProcTest, "b", fh) }, nfs3.NLMDenied},
		{"b blocks", func() nfs3.NLMStat { return nlmLockCall(b, "b", fh, true, false) }, nfs3.NLMBlocked},
		{"b cancels", func() nfs3.NLMStat { return nlmSimple(b, nfs3.NLMProcCancel, "b", fh) }, nfs3.NLMGranted},
		{"b blocks again", func() nfs3.NLMStat { return nlmLockCall(b, "b", fh, true, false) }, nfs3.NLMBlocked},
		{"a unlocks", func() nfs3.NLMStat { return nlmSimple(a, nfs3.NLMProcUnlock, "a", fh) }, nfs3.NLMGranted},
		{"b polls", func() nfs3.NLMStat { return nlmLockCall(b, "b", fh, true, false) }, nfs3.NLMGranted},
		{"stale handle", func() nfs3.NLMStat { return nlmLockCall(a, "a", make([]byte, 16), false, false) }, nfs3.NLMStaleFH},
	}
	for _, st := range steps {
		if got := st.got(); got != st.want {
			t.Fatalf("%s: %v, want %v", st.name, got, st.want)
		}
	}
	if s.Locks() != 1 {
		t.Fatalf("%d locks", s.Locks())
	}
	s.Restart()
	if s.Locks() != 0 {
		t.Fatal("locks survived a restart")
	}
	if got := nlmLockCall(a, "a", fh, false, false); got != nfs3.NLMDeniedGracePeriod {
		t.Fatalf("new lock in grace: %v", got)
	}
	if got := nlmLockCall(b, "b", fh, false, true); got != nfs3.NLMGranted {
		t.Fatalf("reclaim in grace: %v", got)
	}
	clk.t = clk.t.Add(51 * time.Second)
	if got := nlmLockCall(a, "a", fh, false, true); got != nfs3.NLMDeniedGracePeriod {
		t.Fatalf("reclaim after grace: %v", got)
	}
	if got := nlmLockCall(a, "a", fh, false, false); got != nfs3.NLMDenied {
		t.Fatalf("lock after grace: %v", got)
	}
}

func TestLockFaults(t *testing.T) {
	s, _ := planServer(t, false,
		fault.Rule{Name: "lose", Proc: "NLM.LOCK", Host: "a", Nth: 1, Action: fault.LoseLock},
		fault.Rule{Name: "twice", Proc: "NLM.LOCK", Host: "c", Action: fault.DoubleGrant})
	a, b, c := newWire(t, s, "a"), newWire(t, s, "b"), newWire(t, s, "c")
	fh := a.createFile(a.root, "f")
	if nlmLockCall(a, "a", fh, false, false) != nfs3.NLMGranted || s.Locks() != 0 {
		t.Fatal("lost grant was kept")
	}
	if nlmLockCall(b, "b", fh, false, false) != nfs3.NLMGranted {
		t.Fatal("b denied a lock the server forgot")
	}
	if nlmLockCall(c, "c", fh, false, false) != nfs3.NLMGranted || s.Locks() != 2 {
		t.Fatal("double grant refused")
	}
}
