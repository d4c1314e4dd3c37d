package simtest

import (
	"fmt"
	"strings"
	"testing"

	"github.com/cockroachdb/datadriven"
	"github.com/nfsmail/nfsmail/harness/fault"
	"github.com/nfsmail/nfsmail/vfs"
)

func init() {
	commands["drc"] = cmdDRC
	commands["fault"] = cmdFault
	commands["restart"] = cmdRestart
	commands["reclaim"] = cmdReclaim
	commands["lock"] = cmdLock
}

func (e *Env) beforeServer(t testing.TB, td *datadriven.TestData) {
	if e.srv != nil {
		t.Fatalf("%s: %s must come before the first mount", td.Pos, td.Cmd)
	}
}

// drc turns on the server's duplicate request cache.
func cmdDRC(e *Env, t testing.TB, td *datadriven.TestData) (string, error) {
	e.beforeServer(t, td)
	e.drc = true
	return "duplicate request cache on", nil
}

// fault proc=RENAME action=drop-reply [host=a] [path=glob] [nth=1] [times=1]
// adds a rule to the server's fault plan.
func cmdFault(e *Env, t testing.TB, td *datadriven.TestData) (string, error) {
	e.beforeServer(t, td)
	kind, err := fault.ParseKind(arg(t, td, "action"))
	if err != nil {
		t.Fatalf("%s: %v", td.Pos, err)
	}
	r := fault.Rule{Name: fmt.Sprintf("rule%d", len(e.plan.Rules)+1), Proc: optArg(td, "proc", ""),
		Host: optArg(td, "host", ""), Path: optArg(td, "path", ""), Action: kind}
	td.MaybeScanArgs(t, "nth", &r.Nth)
	td.MaybeScanArgs(t, "times", &r.Times)
	if s := optArg(td, "status", ""); s != "" {
		if r.Status, err = fault.ParseStatus(s); err != nil {
			t.Fatalf("%s: %v", td.Pos, err)
		}
	}
	if err := r.Validate(); err != nil {
		t.Fatalf("%s: %v", td.Pos, err)
	}
	e.plan.Rules = append(e.plan.Rules, r)
	return fmt.Sprintf("%s: %s on %s", r.Name, kind, strings.TrimSpace(r.Proc+" "+r.Path)), nil
}

// restart restarts the NFS server: unstable writes lost, locks forgotten,
// grace period begins, write verifier changes.
func cmdRestart(e *Env, t testing.TB, td *datadriven.TestData) (string, error) {
	e.server().Restart()
	return "server restarted; grace period begins", nil
}

// reclaim host=a re-requests the host's locks, as its lockd does when told
// of the server's restart.
func cmdReclaim(e *Env, t testing.TB, td *datadriven.TestData) (string, error) {
	lost, err := e.host(t, td).mount.Reclaim()
	return fmt.Sprintf("reclaimed; %d refused", lost), err
}

// lock f=F type=write|read|unlock [wait=true] takes an fcntl lock on an
// open file.
func cmdLock(e *Env, t testing.TB, td *datadriven.TestData) (string, error) {
	_, f := e.file(t, td)
	typ := map[string]vfs.LockType{"read": vfs.ReadLock, "write": vfs.WriteLock, "unlock": vfs.Unlock}[optArg(td, "type", "write")]
	wait := optArg(td, "wait", "false") == "true"
	start := e.clk.t
	if err := vfs.Lock(f.File, typ, wait); err != nil {
		return "", err
	}
	return fmt.Sprintf("ok (waited %s)", e.clk.t-start), nil
}
