package host

import (
	"fmt"
	"time"

	"github.com/nfsmail/nfsmail/harness/sim"
	"github.com/nfsmail/nfsmail/mailstore"
	"github.com/nfsmail/nfsmail/vfs"
	"github.com/nfsmail/nfsmail/vfs/memfs"
)

// Epoch is the wall-clock time virtual time zero stands for, on a host
// without skew and on the NFS server.
var Epoch = time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)

// Config describes a host.
type Config struct {
	Name string
	// Skew is how far this host's clock runs ahead of the NFS server's
	// (negative: behind) at virtual time zero.
	Skew time.Duration
	// Drift is how much the clock gains per second (1e-5 = 10 ppm, ~0.9 s
	// a day); negative loses time.
	Drift float64
	// NFS is the host's NFS mount of the mail store.
	NFS vfs.FS
	// Unmounted: the NFS mount did not happen, and processes see the bare
	// mount-point directory (empty, host-local) instead; MountPointWritable
	// says whether the mail user may write there.
	Unmounted          bool
	MountPointWritable bool
	// Tmpfs lists path prefixes served by host-local tmpfs (e.g. "dev/shm"
	// for VOLATILEDIR), lost when the host crashes.
	Tmpfs []string
	// Seed is the run's root seed; process streams derive from it.
	Seed uint64
	// Settings are the Dovecot settings of the host's processes.
	Settings mailstore.Settings
	// Log receives every engine log line, tagged with host and process.
	Log func(host, proc string, level mailstore.Level, text string)
}

// Host is one simulated backend.
type Host struct {
	cfg     Config
	sched   *sim.Scheduler
	table   *Table
	nextPID int
	live    map[int]bool
	crashes int
}

// Crasher is implemented by file systems that lose state when their host
// crashes (an NFS client's caches, dirty pages and local locks).
type Crasher interface{ Crash() }

// New returns a host running under sched.
func New(sched *sim.Scheduler, cfg Config) *Host {
	h := &Host{cfg: cfg, sched: sched, nextPID: 1000, live: map[int]bool{}}
	h.mount()
	return h
}

// mount builds the mount table: the NFS mount (or the bare mount point)
// at the root, fresh tmpfs instances under their prefixes.
func (h *Host) mount() {
	root := h.cfg.NFS
	if h.cfg.Unmounted {
		root = memfs.New(h.Now)
		if !h.cfg.MountPointWritable {
			root = ReadOnly(root)
		}
	}
	h.table = NewTable(root)
	for _, p := range h.cfg.Tmpfs {
		h.table.Mount(p, memfs.New(h.Now))
	}
}

// Crash kills every process of the host at its next scheduling point and
// loses what a reboot loses: the NFS client's caches, dirty pages and local
// locks, and tmpfs contents. Processes spawned afterwards run on the
// rebooted host. Crash must not be called by one of the host's processes.
func (h *Host) Crash() {
	h.sched.Kill(h.cfg.Name)
	h.sched.Tracef("crash %s", h.cfg.Name)
	if c, ok := h.cfg.NFS.(Crasher); ok {
		c.Crash()
	}
	h.crashes++
	h.mount()
}

// Name returns the host name.
func (h *Host) Name() string { return h.cfg.Name }

// FS returns the host's file system (its mount table), without scheduling
// points: for harness code that runs outside any process.
func (h *Host) FS() vfs.FS { return h.table }

// Now is the host's clock: the server's plus skew and drift.
func (h *Host) Now() time.Time {
	t := h.sched.Now()
	return Epoch.Add(t + h.cfg.Skew + time.Duration(h.cfg.Drift*float64(t)))
}

// Spawn starts a process on the host. fn gets an Env for the engines; the
// process ends when fn returns.
func (h *Host) Spawn(name string, fn func(env mailstore.Env)) {
	pid := h.nextPID
	h.nextPID++
	full := h.cfg.Name + "/" + name
	h.sched.Spawn(full, h.cfg.Name, func(p *sim.Proc) {
		h.live[pid] = true
		defer delete(h.live, pid)
		pfs := &procFS{fs: h.table, p: p, open: map[*procFile]bool{}}
		defer pfs.exit()
		fn(mailstore.Env{
			FS:       pfs,
			Clock:    procClock{h: h, p: p},
			Hostname: h.cfg.Name,
			PID:      pid,
			Log:      logger{h: h, proc: full},
			Settings: h.cfg.Settings,
			Alive:    func(pid int) bool { return h.live[pid] },
			Rand:     sim.Stream(h.cfg.Seed, "proc/"+full),
		})
	})
}

// procClock is a process's view of its host's clock.
type procClock struct {
	h *Host
	p *sim.Proc
}

func (c procClock) Now() time.Time        { return c.h.Now() }
func (c procClock) Sleep(d time.Duration) { c.p.Sleep(d) }

type logger struct {
	h    *Host
	proc string
}

func (l logger) Logf(level mailstore.Level, format string, args ...any) {
	text := fmt.Sprintf(format, args...)
	l.h.sched.Tracef("log %s: %s", level, text)
	if l.h.cfg.Log != nil {
		l.h.cfg.Log(l.h.cfg.Name, l.proc, level, text)
	}
}

// NFSClock adapts the scheduler to nfsclient.Clock: RPC costs are charged to
// the running process and lock waits sleep it.
type NFSClock struct{ S *sim.Scheduler }

// Now implements nfsclient.Clock.
func (c NFSClock) Now() time.Duration { return c.S.Now() }

// Charge implements nfsclient.Clock.
func (c NFSClock) Charge(d time.Duration) { c.S.Charge(d) }

// Sleep implements nfsclient.Clock.
func (c NFSClock) Sleep(d time.Duration) {
	if p := c.S.Current(); p != nil {
		p.Sleep(d)
		return
	}
	c.S.Charge(d)
}
