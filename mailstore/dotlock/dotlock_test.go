package dotlock_test

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/nfsmail/nfsmail/mailstore"
	"github.com/nfsmail/nfsmail/mailstore/dotlock"
	"github.com/nfsmail/nfsmail/mailstore/mailtest"
	"github.com/nfsmail/nfsmail/vfs"
)

// uidlistLock are the dovecot-uidlist.lock settings.
var uidlistLock = dotlock.Settings{
	Timeout: 122 * time.Second, StaleTimeout: 120 * time.Second, UseExcl: true, IONotify: true,
}

func mustCreate(t *testing.T, h *mailtest.Host, set dotlock.Settings) *dotlock.Lock {
	t.Helper()
	l, err := dotlock.Create(h.Env, "box/dovecot-uidlist", set, 0)
	if err != nil {
		t.Fatalf("%s: Create: %v", h.Env.Hostname, err)
	}
	return l
}

func setup(t *testing.T) *mailtest.World {
	w := mailtest.NewWorld()
	if err := w.FS.Mkdir("box", 0o755); err != nil {
		t.Fatal(err)
	}
	return w
}

func TestCreateWritesPIDAndReleases(t *testing.T) {
	for _, excl := range []bool{true, false} {
		w := setup(t)
		a := w.Host("a", 42, 0)
		set := uidlistLock
		set.UseExcl = excl
		l := mustCreate(t, a, set)
		data, err := vfs.ReadFile(w.FS, "box/dovecot-uidlist.lock")
		if err != nil || string(data) != "42:a" {
			t.Errorf("excl=%v: lock content %q, %v", excl, data, err)
		}
		if ents, _ := w.FS.ReadDir("box"); len(ents) != 1 {
			t.Errorf("excl=%v: temp file left behind: %v", excl, ents)
		}
		if err := l.Release(); err != nil {
			t.Errorf("Release: %v", err)
		}
		if len(a.Log.Entries) != 0 {
			t.Errorf("unexpected log: %v", a.Log.Entries)
		}
	}
}

func TestLiveLockIsRespected(t *testing.T) {
	w := setup(t)
	a, b := w.Host("a", 1, 0), w.Host("b", 2, 5*time.Second)
	la := mustCreate(t, a, uidlistLock)
	if _, err := dotlock.Create(b.Env, "box/dovecot-uidlist", uidlistLock, dotlock.NonBlock); !errors.Is(err, dotlock.ErrTimeout) {
		t.Fatalf("NonBlock on a held lock = %v, want ErrTimeout", err)
	}
	// a keeps working: touches the lock every 10 s while b waits.
	start := w.T
	b.Clock.OnSleep = func() {
		if w.T.Sub(start) > 10*time.Second {
			start = w.T
			if err := la.Touch(); err != nil {
				t.Error(err)
			}
		}
	}
	set := uidlistLock
	set.Timeout = 300 * time.Second
	_, err := dotlock.Create(b.Env, "box/dovecot-uidlist", set, 0)
	if !errors.Is(err, dotlock.ErrTimeout) {
		t.Fatalf("Create against a touched live lock = %v, want ErrTimeout", err)
	}
	if err := la.Release(); err != nil || len(a.Log.Entries)+len(b.Log.Entries) != 0 {
		t.Errorf("Release = %v; logs a=%v b=%v", err, a.Log.Entries, b.Log.Entries)
	}
}

func TestClockSkewOverridesLiveLock(t *testing.T) {
	w := setup(t)
	a, b := w.Host("a", 1, 0), w.Host("b", 2, 130*time.Second)
	if err := vfs.WriteFile(w.FS, "box/dovecot-uidlist", []byte("3 V1 N1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	la := mustCreate(t, a, uidlistLock)
	lb := mustCreate(t, b, uidlistLock) // first sight: server mtime is 130 s "old"
	if w.T.Sub(mailtest.Epoch) > time.Second {
		t.Errorf("b waited %v before overriding", w.T.Sub(mailtest.Epoch))
	}
	if got := b.Log.Find("Created dotlock file's timestamp is different than current time"); len(got) != 1 {
		t.Errorf("b log = %v, want the timestamp warning", b.Log.Entries)
	}
	if err := la.Release(); !errors.Is(err, dotlock.ErrLost) {
		t.Errorf("a.Release = %v, want ErrLost", err)
	}
	want := "Our dotlock file box/dovecot-uidlist.lock was overridden (locked 0 secs ago, touched 0 secs ago)"
	if got := a.Log.Find("Our dotlock file"); len(got) != 1 || got[0].Text != want || got[0].Level != mailstore.Warning {
		t.Errorf("a log = %v, want %q", a.Log.Entries, want)
	}
	if data, _ := vfs.ReadFile(w.FS, "box/dovecot-uidlist.lock"); string(data) != "2:b" {
		t.Errorf("a's release touched b's lock: %q", data)
	}
	if err := lb.Release(); err != nil {
		t.Errorf("b.Release = %v", err)
	}
}

func TestStaleLockOverriddenAfterTimeout(t *testing.T) {
	w := setup(t)
	a, b := w.Host("a", 1, 0), w.Host("b", 2, 0)
	la := mustCreate(t, a, uidlistLock)
	start := w.T
	lb := mustCreate(t, b, uidlistLock)
	if waited := w.T.Sub(start); waited < 120*time.Second || waited > 130*time.Second {
		t.Errorf("b overrode after %v, want just over the 120 s stale timeout", waited)
	}
	la.Release()
	if len(a.Log.Find("was overridden")) != 1 {
		t.Errorf("a log = %v", a.Log.Entries)
	}
	lb.Release()
}

func TestSameHostnamePIDCheck(t *testing.T) {
	for _, alive := range []bool{true, false} {
		w := setup(t)
		a, b := w.Host("mx", 100, 0), w.Host("mx", 200, 0)
		b.Env.Alive = func(pid int) bool { return pid == 100 && alive }
		la := mustCreate(t, a, uidlistLock)
		set := uidlistLock
		set.Timeout = 10 * time.Second
		start := w.T
		lb, err := dotlock.Create(b.Env, "box/dovecot-uidlist", set, 0)
		if alive {
			if !errors.Is(err, dotlock.ErrTimeout) {
				t.Errorf("live same-host owner: Create = %v, want ErrTimeout", err)
			}
			continue
		}
		if err != nil {
			t.Fatalf("dead owner: Create = %v", err)
		}
		if waited := w.T.Sub(start); waited < 2*time.Second || waited > 4*time.Second {
			t.Errorf("dead owner overridden after %v, want just over 2 s", waited)
		}
		la.Release()
		lb.Release()
	}
}

// noLinkFS hides memfs's Link, like SMB or encfs.
type noLinkFS struct{ vfs.FS }

func TestLinkModeFallsBackWithoutHardLinks(t *testing.T) {
	w := setup(t)
	a := w.Host("a", 1, 0)
	a.Env.FS = noLinkFS{w.FS}
	set := uidlistLock
	set.UseExcl = false
	l := mustCreate(t, a, set)
	if got := a.Log.Find("link(box/.temp.a.1."); len(got) != 1 || !strings.HasSuffix(got[0].Text, "Operation not supported") {
		t.Errorf("log = %v", a.Log.Entries)
	}
	if ents, _ := w.FS.ReadDir("box"); len(ents) != 1 {
		t.Errorf("dir = %v, want only the lock", ents)
	}
	l.Release()
}

func TestWaitsAreSeededAndGrow(t *testing.T) {
	run := func() []time.Duration {
		w := setup(t)
		a, b := w.Host("a", 1, 0), w.Host("b", 2, 0)
		mustCreate(t, a, uidlistLock)
		set := uidlistLock
		set.Timeout = 20 * time.Second
		dotlock.Create(b.Env, "box/dovecot-uidlist", set, 0)
		return b.Clock.Sleeps
	}
	s1, s2 := run(), run()
	if !slices.Equal(s1, s2) {
		t.Fatalf("same seed, different waits:\n%v\n%v", s1, s2)
	}
	if s1[0] < 100*time.Millisecond || s1[0] >= 200*time.Millisecond {
		t.Errorf("first wait %v, want 100-200 ms", s1[0])
	}
	last := s1[len(s1)-1]
	if last < 2*time.Second || last > 4500*time.Millisecond {
		t.Errorf("wait grew to %v, want about 3 s", last)
	}
}
