package simtest

import (
	"fmt"
	"testing"
	"time"

	"github.com/cockroachdb/datadriven"
	"github.com/nfsmail/nfsmail/mailstore"
	"github.com/nfsmail/nfsmail/mailstore/dotlock"
	"github.com/nfsmail/nfsmail/vfs"
)

func init() {
	commands["dotlock"] = cmdDotlock
	commands["unlock"] = cmdUnlock
}

// hostClock is a host's view of the script clock, with its skew.
type hostClock struct {
	e *Env
	h *host
}

func (c hostClock) Now() time.Time        { return Epoch.Add(c.e.clk.t + c.h.skew) }
func (c hostClock) Sleep(d time.Duration) { c.e.clk.t += d }

// Logf collects what Dovecot's code logs; Run prints it after the command.
func (e *Env) Logf(level mailstore.Level, format string, args ...any) {
	e.logs = append(e.logs, level.String()+": "+fmt.Sprintf(format, args...))
}

func (e *Env) mailEnv(h *host, fsys vfs.FS) mailstore.Env {
	h.pid++
	return mailstore.Env{FS: fsys, Clock: hostClock{e, h}, Hostname: h.name, PID: h.pid,
		Log: e, Settings: mailstore.DefaultSettings(), Alive: func(int) bool { return true }}
}

// dotlock host=a path=f [stale=120s] [timeout=122s] as=L takes the dotlock
// path.lock as Dovecot does (O_EXCL, stale override judged by the host's
// clock); the output says how long it waited and what was logged.
func cmdDotlock(e *Env, t testing.TB, td *datadriven.TestData) (string, error) {
	h := e.host(t, td)
	set := dotlock.Settings{
		Timeout:      duration(t, td, optArg(td, "timeout", "122s")),
		StaleTimeout: duration(t, td, optArg(td, "stale", "120s")),
		UseExcl:      true,
	}
	start := e.clk.t
	l, err := dotlock.Create(e.mailEnv(h, h.mount), arg(t, td, "path"), set, 0)
	out := fmt.Sprintf("waited %s", (e.clk.t - start).Round(time.Second))
	if err != nil {
		return out + "\nerror: " + describe(err), nil
	}
	e.locks[arg(t, td, "as")] = l
	return "locked, " + out, nil
}

// unlock lock=L releases a dotlock; Dovecot's warnings show if it was
// overridden meanwhile.
func cmdUnlock(e *Env, t testing.TB, td *datadriven.TestData) (string, error) {
	name := arg(t, td, "lock")
	l, ok := e.locks[name]
	if !ok {
		t.Fatalf("%s: no lock %q", td.Pos, name)
	}
	delete(e.locks, name)
	err := l.Release()
	return "released", err
}
