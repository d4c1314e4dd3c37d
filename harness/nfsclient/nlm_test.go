package nfsclient_test

import (
	"errors"
	"testing"
	"time"

	"github.com/nfsmail/nfsmail/vfs"
)

func lockFile(t *testing.T, fsys vfs.FS, name string) vfs.File {
	t.Helper()
	f, err := fsys.OpenFile(name, vfs.O_RDWR|vfs.O_CREATE, 0o644)
	must(t, err)
	return f
}

// With a lock service, fcntl locks exclude processes on other hosts; with
// nolock they only exclude processes on the same host.
func TestLocksAcrossHosts(t *testing.T) {
	for _, tc := range []struct {
		opts     string
		excludes bool
	}{{"", true}, {"nolock", false}} {
		t.Run(tc.opts, func(t *testing.T) {
			w := newWorld(t)
			a, b := w.mount("a", tc.opts), w.mount("b", tc.opts)
			fa, fb := lockFile(t, a, "dovecot.index.log"), lockFile(t, b, "dovecot.index.log")
			must(t, vfs.Lock(fa, vfs.WriteLock, false))
			err := vfs.Lock(fb, vfs.WriteLock, false)
			if excluded := errors.Is(err, vfs.ErrWouldBlock); excluded != tc.excludes {
				t.Fatalf("second host's lock: %v (exclusion expected: %v)", err, tc.excludes)
			}
			// on the same host locks always exclude
			fa2 := lockFile(t, a, "dovecot.index.log")
			if err := vfs.Lock(fa2, vfs.WriteLock, false); !errors.Is(err, vfs.ErrWouldBlock) {
				t.Fatalf("second lock on the same host: %v", err)
			}
			must(t, vfs.Lock(fa, vfs.Unlock, false))
			must(t, vfs.Lock(fa2, vfs.WriteLock, false))
			must(t, fa2.Close()) // close releases it
			if tc.excludes {
				must(t, vfs.Lock(fb, vfs.WriteLock, false))
			}
			must(t, fa.Close())
			must(t, fb.Close())
		})
	}
}

// A blocking lock waits (polling, in virtual time) until the holder on the
// other host releases it.
func TestBlockingLockWaits(t *testing.T) {
	w := newWorld(t)
	a, b := w.mount("a", ""), w.mount("b", "")
	fa, fb := lockFile(t, a, "f"), lockFile(t, b, "f")
	must(t, vfs.Lock(fa, vfs.WriteLock, false))
	// Nothing else runs in this test, so the holder must let go from the
	// waiter's clock: release after the first poll.
	released := false
	w.clk.onSleep = func() {
		if !released {
			released = true
			must(t, vfs.Lock(fa, vfs.Unlock, false))
		}
	}
	start := w.clk.t
	must(t, vfs.Lock(fb, vfs.WriteLock, true))
	if !released || w.clk.t-start < 100*time.Millisecond {
		t.Fatalf("blocking lock returned without waiting (released %v, waited %v)", released, w.clk.t-start)
	}
}

// After a server restart only reclaims are granted during the grace period:
// a host that reclaims keeps its lock, and another host waits out the grace
// period instead of stealing it.
func TestReclaimAfterRestart(t *testing.T) {
	w := newWorld(t)
	a, b := w.mount("a", ""), w.mount("b", "")
	fa, fb := lockFile(t, a, "f"), lockFile(t, b, "f")
	must(t, vfs.Lock(fa, vfs.WriteLock, false))
	w.srv.Restart()
	lost, err := a.Reclaim()
	must(t, err)
	if lost != 0 {
		t.Fatalf("reclaim within grace lost %d locks", lost)
	}
	if err := vfs.Lock(fb, vfs.WriteLock, false); !errors.Is(err, vfs.ErrWouldBlock) {
		t.Fatalf("other host's lock after the reclaim: %v", err)
	}
}

// An UNLOCK of a reclaimed lock during the grace period is refused; Linux
// drops the lock locally and resends the UNLOCK until the grace period is
// over, so the lock does not stay held on the server for ever.
func TestUnlockInGraceIsResent(t *testing.T) {
	w := newWorld(t)
	a, b := w.mount("a", ""), w.mount("b", "")
	fa, fb := lockFile(t, a, "f"), lockFile(t, b, "f")
	other := lockFile(t, a, "g")
	must(t, vfs.Lock(fa, vfs.WriteLock, false))
	w.srv.Restart()
	if _, err := a.Reclaim(); err != nil {
		t.Fatal(err)
	}
	must(t, vfs.Lock(fa, vfs.Unlock, false)) // refused in grace, dropped locally
	w.clk.t += time.Minute
	if err := vfs.Lock(fb, vfs.WriteLock, false); !errors.Is(err, vfs.ErrWouldBlock) {
		t.Fatalf("before the resend the server still holds a's lock: got %v", err)
	}
	must(t, vfs.Lock(other, vfs.WriteLock, false)) // a's next NLM call resends the UNLOCK
	if err := vfs.Lock(fb, vfs.WriteLock, false); err != nil {
		t.Fatalf("after the resent UNLOCK the lock should be free: %v", err)
	}
}

// Without a reclaim (the client never heard of the restart), the lock is
// silently gone once the grace period ends and another host takes it: both
// believe they hold it.
func TestLockLostWithoutReclaim(t *testing.T) {
	w := newWorld(t)
	a, b := w.mount("a", ""), w.mount("b", "")
	fa, fb := lockFile(t, a, "f"), lockFile(t, b, "f")
	must(t, vfs.Lock(fa, vfs.WriteLock, false))
	w.srv.Restart()
	w.clk.t += time.Minute
	if err := vfs.Lock(fb, vfs.WriteLock, false); err != nil {
		t.Fatalf("after grace without a reclaim the lock should be free: %v", err)
	}
}

// Data written UNSTABLE is kept by the client until a COMMIT returns the
// verifier the WRITEs did. A server restart in between loses the data on
// the server and changes the verifier: the client sends it again.
func TestUnstableWritesSurviveServerRestart(t *testing.T) {
	w := newWorld(t)
	a := w.mount("a", "")
	f, err := a.OpenFile("msg", vfs.O_WRONLY|vfs.O_CREATE|vfs.O_EXCL, 0o600)
	must(t, err)
	_, err = f.Write([]byte("important mail"))
	must(t, err)
	restarted := false
	// restart the server right after the first WRITE reaches it
	w.clk.onSleep = nil
	prev := a.Counts()["WRITE"]
	hook := func() {
		if !restarted && a.Counts()["WRITE"] > prev {
			restarted = true
			w.srv.Restart()
		}
	}
	a.SetOnRPC(func(string) { hook() })
	must(t, f.Close())
	if !restarted {
		t.Fatal("the test did not restart the server between WRITE and COMMIT")
	}
	if a.Resends() == 0 {
		t.Fatal("the client did not resend after the write verifier changed")
	}
	if got := read(t, w.mount("b", "noac"), "msg"); got != "important mail" {
		t.Fatalf("after restart the server has %q", got)
	}
}
