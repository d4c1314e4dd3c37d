package host_test

import (
	"errors"
	"io/fs"
	"testing"
	"time"

	"github.com/nfsmail/nfsmail/harness/host"
	"github.com/nfsmail/nfsmail/harness/sim"
	"github.com/nfsmail/nfsmail/mailstore"
	"github.com/nfsmail/nfsmail/vfs"
	"github.com/nfsmail/nfsmail/vfs/memfs"
)

func world(t *testing.T) (*sim.Scheduler, vfs.FS) {
	s := sim.New(sim.Options{Chooser: sim.RandChooser{R: sim.Stream(1, "t")}})
	nfs := memfs.New(func() time.Time { return host.Epoch.Add(s.Now()) })
	return s, nfs
}

func run(t *testing.T, s *sim.Scheduler) {
	t.Helper()
	if err := s.Run(); err != nil {
		t.Fatal(err)
	}
}

// The guide: "if the NFS isn't mounted for some reason and user access
// mails, a new empty user mail directory is created". A writable bare mount
// point takes the write; a read-only one refuses it.
func TestUnmountedMountPoint(t *testing.T) {
	for _, writable := range []bool{true, false} {
		s, nfs := world(t)
		vfs.WriteFile(nfs, "mail", []byte("on NFS"), 0o644)
		h := host.New(s, host.Config{Name: "b1", NFS: nfs, Unmounted: true, MountPointWritable: writable})
		var readErr, writeErr error
		h.Spawn("imap", func(env mailstore.Env) {
			_, readErr = vfs.ReadFile(env.FS, "mail")
			writeErr = env.FS.Mkdir("user1", 0o700)
		})
		run(t, s)
		if !errors.Is(readErr, fs.ErrNotExist) {
			t.Errorf("writable=%v: the NFS file is visible through an unmounted mount point: %v", writable, readErr)
		}
		if writable != (writeErr == nil) || (!writable && !errors.Is(writeErr, vfs.ErrReadOnly)) {
			t.Errorf("writable=%v: mkdir on the bare mount point: %v", writable, writeErr)
		}
		if _, err := nfs.Stat("user1"); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("the mkdir reached the NFS store")
		}
	}
}

// tmpfs directories are per host, lost in a crash; rename across mounts is
// EXDEV.
func TestTmpfsIsHostLocal(t *testing.T) {
	s, nfs := world(t)
	a := host.New(s, host.Config{Name: "a", NFS: nfs, Tmpfs: []string{"dev/shm"}})
	b := host.New(s, host.Config{Name: "b", NFS: nfs, Tmpfs: []string{"dev/shm"}})
	var seenOnB, renameErr error
	a.Spawn("w", func(env mailstore.Env) {
		vfs.WriteFile(env.FS, "dev/shm/lock", []byte("a"), 0o644)
		renameErr = env.FS.Rename("dev/shm/lock", "lock")
	})
	run(t, s)
	b.Spawn("r", func(env mailstore.Env) { _, seenOnB = env.FS.Stat("dev/shm/lock") })
	run(t, s)
	if !errors.Is(seenOnB, fs.ErrNotExist) {
		t.Errorf("host b sees host a's tmpfs file: %v", seenOnB)
	}
	if !errors.Is(renameErr, vfs.ErrCrossDevice) {
		t.Errorf("rename from tmpfs to NFS: %v, want EXDEV", renameErr)
	}
	if _, err := a.FS().Stat("dev/shm/lock"); err != nil {
		t.Fatalf("tmpfs file missing before the crash: %v", err)
	}
	a.Crash()
	if _, err := a.FS().Stat("dev/shm/lock"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("tmpfs survived a crash: %v", err)
	}
}

// A crash kills the host's processes at their next scheduling point; the
// other host's processes go on.
func TestCrashKillsOnlyThatHost(t *testing.T) {
	s, nfs := world(t)
	a := host.New(s, host.Config{Name: "a", NFS: nfs})
	b := host.New(s, host.Config{Name: "b", NFS: nfs})
	var aSteps, bSteps int
	a.Spawn("loop", func(env mailstore.Env) {
		for range 100 {
			env.FS.Stat(".")
			aSteps++
			env.Clock.Sleep(time.Second)
		}
	})
	b.Spawn("loop", func(env mailstore.Env) {
		for range 100 {
			env.FS.Stat(".")
			bSteps++
			env.Clock.Sleep(time.Second)
		}
	})
	s.Spawn("nemesis", "nemesis", func(p *sim.Proc) {
		p.Sleep(10500 * time.Millisecond)
		a.Crash()
	})
	run(t, s)
	if aSteps < 9 || aSteps > 12 || bSteps != 100 {
		t.Fatalf("a ran %d steps (crash at 10.5 s), b %d", aSteps, bSteps)
	}
}

func TestClockSkewAndDrift(t *testing.T) {
	s, nfs := world(t)
	h := host.New(s, host.Config{Name: "a", NFS: nfs, Skew: 2 * time.Second, Drift: 1e-3})
	var at time.Time
	h.Spawn("p", func(env mailstore.Env) {
		env.Clock.Sleep(1000 * time.Second)
		at = env.Clock.Now()
	})
	run(t, s)
	if want := host.Epoch.Add(1000*time.Second + 2*time.Second + time.Second); !at.Equal(want) {
		t.Fatalf("host clock %v, want %v (skew 2 s + drift 1 ms/s over 1000 s)", at, want)
	}
}
