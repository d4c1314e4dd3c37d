package host

import (
	"fmt"
	"time"

	"github.com/nfsmail/nfsmail/harness/sim"
	"github.com/nfsmail/nfsmail/mailstore"
	"github.com/nfsmail/nfsmail/vfs"
)

// Epoch is the wall-clock time virtual time zero stands for, on a host
// without skew and on the NFS server.
var Epoch = time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)

// Config describes a host.
type Config struct {
	Name string
	// Skew is how far this host's clock runs ahead of the NFS server's
	// (negative: behind).
	Skew time.Duration
	// FS is the host's view of the mail store (its NFS mount).
	FS vfs.FS
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
	nextPID int
	live    map[int]bool
}

// New returns a host running under sched.
func New(sched *sim.Scheduler, cfg Config) *Host {
	return &Host{cfg: cfg, sched: sched, nextPID: 1000, live: map[int]bool{}}
}

// Name returns the host name.
func (h *Host) Name() string { return h.cfg.Name }

// FS returns the host's file system, unwrapped (for harness code that runs
// outside any process, such as the auditor).
func (h *Host) FS() vfs.FS { return h.cfg.FS }

// Now is the host's clock.
func (h *Host) Now() time.Time { return Epoch.Add(h.sched.Now() + h.cfg.Skew) }

// Spawn starts a process on the host. fn gets an Env for the engines; the
// process ends when fn returns.
func (h *Host) Spawn(name string, fn func(env mailstore.Env)) {
	pid := h.nextPID
	h.nextPID++
	full := h.cfg.Name + "/" + name
	h.sched.Spawn(full, h.cfg.Name, func(p *sim.Proc) {
		h.live[pid] = true
		defer delete(h.live, pid)
		fn(mailstore.Env{
			FS:       &procFS{fs: h.cfg.FS, p: p},
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
