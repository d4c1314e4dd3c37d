package scenarios_test

import (
	"flag"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"pgregory.net/rapid"

	"github.com/nfsmail/nfsmail/harness/check"
	"github.com/nfsmail/nfsmail/mailgen"
	"github.com/nfsmail/nfsmail/scenarios"
)

var hunt = flag.Bool("hunt", false, "TestUnsafeSchedulesCorrupt: search for corrupting schedules with rapid and "+
	"shrink them (minutes per scenario), writing fail files under testdata/rapid; without it only the committed "+
	"fail files replay")

// unsafe are the scenarios whose corruption rapid finds and shrinks; each
// has a committed fail file under testdata/rapid/TestUnsafeSchedulesCorrupt.
var unsafe = []string{
	"maildir-unmounted-writable", "mdbox-purge-any-host-nolock", "mdbox-random",
	"sdbox-director-hiccup-nolock", "sdbox-failover-fsync-never", "sdbox-random-nolock",
}

// TestUnsafeSchedulesCorrupt is the property test of the unsafe scenarios:
// rapid draws the workload, the cluster events and the scheduling seed
// together (scenarios.DrawSchedule) and the property "this schedule does
// not corrupt mail" must fail. rapid shrinks the counterexample — fewer
// operations, commands and events, earlier times — prints it as an ops
// file with its replay command, and writes a fail file; the committed
// fail files replay first on every run, so each is a regression test of
// its mechanism. Without -hunt only they run (two runs per scenario).
func TestUnsafeSchedulesCorrupt(t *testing.T) {
	checks := flag.Lookup("rapid.checks")
	old := checks.Value.String()
	defer checks.Value.Set(old)
	switch {
	case !*hunt:
		checks.Value.Set("0") // replay the fail files, search nothing
	case old == "100": // rapid's default: too few for the schedules that need an event at the right time
		checks.Value.Set("2000")
	}
	for _, name := range unsafe {
		t.Run(name, func(t *testing.T) {
			sc := lookup(t, name)
			if !*hunt {
				files, _ := filepath.Glob(filepath.Join("testdata", "rapid", strings.ReplaceAll(t.Name(), "/", "_"), "*.fail"))
				if len(files) == 0 {
					t.Fatalf("no committed fail file for %s: run go test -run '%s' -hunt ./scenarios and commit it", name, t.Name())
				}
			}
			expect := &expectFailure{T: t}
			start, runs, corrupted := time.Now(), 0, false
			var last scenarios.Schedule // rapid runs the minimal failing case last
			rapid.Check(expect, func(rt *rapid.T) {
				s := scenarios.DrawSchedule(rt, sc)
				runs++
				res, err := s.Run(sc)
				if err != nil {
					rt.Fatalf("harness: %v", err)
				}
				if res.Verdict == check.Corrupted {
					last, corrupted = s, true
					rt.Fatalf("%s", describe(sc, s, res))
				}
			})
			switch {
			case !expect.found || !corrupted: // not found, or a harness error
				t.Errorf("%s: no corrupting schedule (%s)", name, strings.Join(expect.errors, "; "))
			case !*hunt:
				t.Logf("%s: the committed fail file still corrupts", name)
			default:
				t.Logf("%s: found and shrunk in %d runs, %.1f s: %d operations, %d events",
					name, runs, time.Since(start).Seconds(), len(last.Ops), len(last.Events))
			}
		})
	}
}

// describe renders a corrupting schedule: its findings, the ops file, the
// events and how to replay it with the CLI.
func describe(sc scenarios.Scenario, s scenarios.Schedule, res *scenarios.Result) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %s with %d operations, %d events, seed %d\n", sc.Name, res.Verdict, len(s.Ops), len(s.Events), s.Seed)
	for _, f := range res.Findings {
		fmt.Fprintf(&b, "  %s %s: %s\n", f.Kind, f.User, f.Detail)
	}
	b.WriteString("ops file (save as shrunk.ops):\n")
	b.Write(mailgen.Format(s.Ops))
	target := sc.Name
	if len(s.Events) > 0 || len(sc.Events) > 0 { // the drawn events differ from the catalog's
		sc.Events = s.Events
		data, err := scenarios.Marshal(sc)
		if err != nil {
			data = []byte(err.Error())
		}
		b.WriteString("scenario file with the drawn events (save as shrunk.toml):\n")
		b.Write(data)
		target = "shrunk.toml"
	}
	fmt.Fprintf(&b, "replay: nfsmail run %s --seed %d --ops shrunk.ops", target, s.Seed)
	return b.String()
}

// expectFailure is a rapid.TB for a property that must fail: it records
// rapid's report instead of failing the test, and passes rapid's log
// (the shrunk counterexample) through.
type expectFailure struct {
	*testing.T
	found  bool
	errors []string
}

func (e *expectFailure) Errorf(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	e.found = e.found || strings.Contains(msg, "[rapid] failed after")
	e.errors = append(e.errors, strings.SplitN(msg, "\n", 2)[0])
	e.T.Log(msg)
}
func (e *expectFailure) Error(args ...any)                 { e.Errorf("%s", fmt.Sprint(args...)) }
func (e *expectFailure) Fatalf(format string, args ...any) { e.Errorf(format, args...) }
func (e *expectFailure) Fatal(args ...any)                 { e.Error(args...) }
func (e *expectFailure) Fail()                             {}
func (e *expectFailure) FailNow()                          {}
func (e *expectFailure) Failed() bool                      { return len(e.errors) > 0 }

// safe are CLEAN scenarios whose every drawn schedule must stay CLEAN:
// each format with the director, its folders, purge and ALT variants,
// and the ones with NFS faults (lost replies, a server restart) and
// a drain.
var safe = []string{
	"maildir-director", "maildir-director-folders", "sdbox-director", "sdbox-director-faults",
	"sdbox-director-lost-replies-drc", "sdbox-director-nolock", "mdbox-director-purge", "mdbox-director-alt",
	"maildir-director-listindex-tmpfs-very-dirty-hostchange", "sdbox-director-moves", "mdbox-director-moves",
}

// folderRaces are the signs of Dovecot's own folder races within one
// backend, which a director cannot prevent and real Dovecot shows too
// (docs/fidelity.md, sdbox-director-folders): DELETE opens the folder
// before it takes mailboxes.lock, so a CREATE, RENAME or DELETE of the
// name in between makes it answer NO, or mark the new folder's log.
var folderRaces = []string{"Mailbox exists", "Mailbox has children", "indexid changed"}

// onlyFolderRaces reports whether res is SELF-HEALED by folder races
// alone: nothing lost, only a DELETE refused or a folder log marked.
func onlyFolderRaces(res *scenarios.Result) bool {
	if res.Verdict != check.SelfHealed {
		return false
	}
	for _, f := range res.Findings {
		if f.Kind != check.TempFail && f.Kind != check.EngineError {
			return false
		}
		if !slices.ContainsFunc(folderRaces, func(sign string) bool { return strings.Contains(f.Detail, sign) }) {
			return false
		}
	}
	return true
}

// TestSafeSchedulesStayClean is the property test of the safe scenarios:
// rapid draws workload, events and seed together (scenarios.DrawSchedule)
// and every schedule must be CLEAN — or, where the scenario injects NFS
// faults, at least not CORRUPTED: a reply lost while a process holds the
// index lock stalls it for the client's timeo (60 s), and processes
// queued behind it time out after 180 s and temp-fail (the MTA retries).
// rapid finds such schedules (sdbox-director-faults: 11 operations, one
// dropped CREATE reply for dovecot.index.cache.lock); the 20 seeds of the
// catalog do not. The folder scenarios may also be SELF-HEALED by
// Dovecot's own folder races (onlyFolderRaces), as the real binaries are:
// a director does not serialise one user's sessions on its backend. A
// failure shrinks to its schedule and is printed with its replay command.
func TestSafeSchedulesStayClean(t *testing.T) {
	for _, name := range safe {
		t.Run(name, func(t *testing.T) {
			sc := lookup(t, name)
			worst := check.Clean
			if len(sc.Faults.Rules) > 0 {
				worst = check.SelfHealed
			}
			rapid.Check(t, func(rt *rapid.T) {
				s := scenarios.DrawSchedule(rt, sc)
				res, err := s.Run(sc)
				if err != nil {
					rt.Fatalf("harness: %v", err)
				}
				if res.Verdict != check.Clean && (res.Verdict != check.SelfHealed || worst != check.SelfHealed) &&
					!onlyFolderRaces(res) {
					rt.Fatalf("%s", describe(sc, s, res))
				}
			})
		})
	}
}
