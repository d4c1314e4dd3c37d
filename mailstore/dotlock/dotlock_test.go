package dotlock_test

import (
	"errors"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/nfsmail/nfsmail/mailstore"
	"github.com/nfsmail/nfsmail/mailstore/dotlock"
	"github.com/nfsmail/nfsmail/vfs"
	"github.com/nfsmail/nfsmail/vfs/memfs"
)

// world is virtual time shared by the NFS server (memfs) and the hosts.
type world struct {
	t  time.Time
	fs *memfs.FS
}

func newWorld() *world {
	w := &world{t: time.Unix(1_700_000_000, 0)}
	w.fs = memfs.New(func() time.Time { return w.t })
	return w
}

// hostClock is a host's view of virtual time, skew ahead of the server.
// Sleep advances the world and runs onSleep, standing in for the other
// processes the scheduler would run meanwhile.
type hostClock struct {
	w       *world
	skew    time.Duration
	sleeps  []time.Duration
	onSleep func()
}

func (c *hostClock) Now() time.Time { return c.w.t.Add(c.skew) }
func (c *hostClock) Sleep(d time.Duration) {
	c.sleeps = append(c.sleeps, d)
	c.w.t = c.w.t.Add(d)
	if c.onSleep != nil {
		c.onSleep()
	}
}

type host struct {
	env   mailstore.Env
	clock *hostClock
	log   *mailstore.Recorder
}

func (w *world) host(name string, pid int, skew time.Duration) *host {
	c := &hostClock{w: w, skew: skew}
	log := &mailstore.Recorder{}
	env := mailstore.Env{
		FS: w.fs, Clock: c, Hostname: name, PID: pid, Log: log,
		Settings: mailstore.DefaultSettings(), Rand: rand.New(rand.NewPCG(uint64(pid), 1)),
	}
	return &host{env: env, clock: c, log: log}
}

// uidlistLock are the dovecot-uidlist.lock settings.
var uidlistLock = dotlock.Settings{
	Timeout: 122 * time.Second, StaleTimeout: 120 * time.Second, UseExcl: true, IONotify: true,
}

func mustCreate(t *testing.T, h *host, set dotlock.Settings) *dotlock.Lock {
	t.Helper()
	l, err := dotlock.Create(h.env, "box/dovecot-uidlist", set, 0)
	if err != nil {
		t.Fatalf("%s: Create: %v", h.env.Hostname, err)
	}
	return l
}

func setup(t *testing.T) *world {
	w := newWorld()
	if err := w.fs.Mkdir("box", 0o755); err != nil {
		t.Fatal(err)
	}
	return w
}

func TestCreateWritesPIDAndReleases(t *testing.T) {
	for _, excl := range []bool{true, false} {
		w := setup(t)
		a := w.host("a", 42, 0)
		set := uidlistLock
		set.UseExcl = excl
		l := mustCreate(t, a, set)
		data, err := vfs.ReadFile(w.fs, "box/dovecot-uidlist.lock")
		if err != nil || string(data) != "42:a" {
			t.Errorf("excl=%v: lock content %q, %v", excl, data, err)
		}
		if ents, _ := w.fs.ReadDir("box"); len(ents) != 1 {
			t.Errorf("excl=%v: temp file left behind: %v", excl, ents)
		}
		if err := l.Release(); err != nil {
			t.Errorf("Release: %v", err)
		}
		if len(a.log.Entries) != 0 {
			t.Errorf("unexpected log: %v", a.log.Entries)
		}
	}
}

func TestLiveLockIsRespected(t *testing.T) {
	w := setup(t)
	a, b := w.host("a", 1, 0), w.host("b", 2, 5*time.Second)
	la := mustCreate(t, a, uidlistLock)
	if _, err := dotlock.Create(b.env, "box/dovecot-uidlist", uidlistLock, dotlock.NonBlock); !errors.Is(err, dotlock.ErrTimeout) {
		t.Fatalf("NonBlock on a held lock = %v, want ErrTimeout", err)
	}
	// a keeps working: touches the lock every 10 s while b waits.
	start := w.t
	b.clock.onSleep = func() {
		if w.t.Sub(start) > 10*time.Second {
			start = w.t
			if err := la.Touch(); err != nil {
				t.Error(err)
			}
		}
	}
	set := uidlistLock
	set.Timeout = 300 * time.Second
	_, err := dotlock.Create(b.env, "box/dovecot-uidlist", set, 0)
	if !errors.Is(err, dotlock.ErrTimeout) {
		t.Fatalf("Create against a touched live lock = %v, want ErrTimeout", err)
	}
	if err := la.Release(); err != nil || len(a.log.Entries)+len(b.log.Entries) != 0 {
		t.Errorf("Release = %v; logs a=%v b=%v", err, a.log.Entries, b.log.Entries)
	}
}

func TestClockSkewOverridesLiveLock(t *testing.T) {
	w := setup(t)
	a, b := w.host("a", 1, 0), w.host("b", 2, 130*time.Second)
	if err := vfs.WriteFile(w.fs, "box/dovecot-uidlist", []byte("3 V1 N1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	la := mustCreate(t, a, uidlistLock)
	lb := mustCreate(t, b, uidlistLock) // first sight: server mtime is 130 s "old"
	if w.t.Sub(time.Unix(1_700_000_000, 0)) > time.Second {
		t.Errorf("b waited %v before overriding", w.t.Sub(time.Unix(1_700_000_000, 0)))
	}
	if got := b.log.Find("Created dotlock file's timestamp is different than current time"); len(got) != 1 {
		t.Errorf("b log = %v, want the timestamp warning", b.log.Entries)
	}
	if err := la.Release(); !errors.Is(err, dotlock.ErrLost) {
		t.Errorf("a.Release = %v, want ErrLost", err)
	}
	want := "Our dotlock file box/dovecot-uidlist.lock was overridden (locked 0 secs ago, touched 0 secs ago)"
	if got := a.log.Find("Our dotlock file"); len(got) != 1 || got[0].Text != want || got[0].Level != mailstore.Warning {
		t.Errorf("a log = %v, want %q", a.log.Entries, want)
	}
	if data, _ := vfs.ReadFile(w.fs, "box/dovecot-uidlist.lock"); string(data) != "2:b" {
		t.Errorf("a's release touched b's lock: %q", data)
	}
	if err := lb.Release(); err != nil {
		t.Errorf("b.Release = %v", err)
	}
}

func TestStaleLockOverriddenAfterTimeout(t *testing.T) {
	w := setup(t)
	a, b := w.host("a", 1, 0), w.host("b", 2, 0)
	la := mustCreate(t, a, uidlistLock)
	start := w.t
	lb := mustCreate(t, b, uidlistLock)
	if waited := w.t.Sub(start); waited < 120*time.Second || waited > 130*time.Second {
		t.Errorf("b overrode after %v, want just over the 120 s stale timeout", waited)
	}
	la.Release()
	if len(a.log.Find("was overridden")) != 1 {
		t.Errorf("a log = %v", a.log.Entries)
	}
	lb.Release()
}

func TestSameHostnamePIDCheck(t *testing.T) {
	for _, alive := range []bool{true, false} {
		w := setup(t)
		a, b := w.host("mx", 100, 0), w.host("mx", 200, 0)
		b.env.Alive = func(pid int) bool { return pid == 100 && alive }
		la := mustCreate(t, a, uidlistLock)
		set := uidlistLock
		set.Timeout = 10 * time.Second
		start := w.t
		lb, err := dotlock.Create(b.env, "box/dovecot-uidlist", set, 0)
		if alive {
			if !errors.Is(err, dotlock.ErrTimeout) {
				t.Errorf("live same-host owner: Create = %v, want ErrTimeout", err)
			}
			continue
		}
		if err != nil {
			t.Fatalf("dead owner: Create = %v", err)
		}
		if waited := w.t.Sub(start); waited < 2*time.Second || waited > 4*time.Second {
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
	a := w.host("a", 1, 0)
	a.env.FS = noLinkFS{w.fs}
	set := uidlistLock
	set.UseExcl = false
	l := mustCreate(t, a, set)
	if got := a.log.Find("link(box/.temp.a.1."); len(got) != 1 || !strings.HasSuffix(got[0].Text, "Operation not supported") {
		t.Errorf("log = %v", a.log.Entries)
	}
	if ents, _ := w.fs.ReadDir("box"); len(ents) != 1 {
		t.Errorf("dir = %v, want only the lock", ents)
	}
	l.Release()
}

func TestWaitsAreSeededAndGrow(t *testing.T) {
	run := func() []time.Duration {
		w := setup(t)
		a, b := w.host("a", 1, 0), w.host("b", 2, 0)
		mustCreate(t, a, uidlistLock)
		set := uidlistLock
		set.Timeout = 20 * time.Second
		dotlock.Create(b.env, "box/dovecot-uidlist", set, 0)
		return b.clock.sleeps
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
