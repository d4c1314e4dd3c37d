package scenarios_test

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nfsmail/nfsmail/harness/check"
	"github.com/nfsmail/nfsmail/harness/sim"
	"github.com/nfsmail/nfsmail/mailgen"
	"github.com/nfsmail/nfsmail/mailstore"
	"github.com/nfsmail/nfsmail/scenarios"
	"pgregory.net/rapid"
)

var seeds = flag.Int("seeds", 20, "seeds per scenario in TestCatalogVerdicts")

func lookup(t testing.TB, name string) scenarios.Scenario {
	t.Helper()
	sc, err := scenarios.Lookup(name)
	if err != nil {
		t.Fatal(err)
	}
	return sc
}

func TestSameSeedSameRun(t *testing.T) {
	for _, sc := range scenarios.All() {
		t.Run(sc.Name, func(t *testing.T) {
			a, err := scenarios.Run(sc, scenarios.Options{Seed: 42})
			if err != nil {
				t.Fatal(err)
			}
			b, err := scenarios.Run(sc, scenarios.Options{Seed: 42})
			if err != nil {
				t.Fatal(err)
			}
			ja, _ := json.Marshal(a)
			jb, _ := json.Marshal(b)
			if a.TraceSHA256 != b.TraceSHA256 || string(ja) != string(jb) {
				t.Fatalf("seed 42 twice: traces %s vs %s", a.TraceSHA256, b.TraceSHA256)
			}
			c, err := scenarios.Run(sc, scenarios.Options{Seed: 43})
			if err != nil {
				t.Fatal(err)
			}
			if c.TraceSHA256 == a.TraceSHA256 {
				t.Fatalf("seeds 42 and 43 gave the same trace: the seed is not used")
			}
		})
	}
}

// TestCatalogVerdicts measures every catalog scenario over many seeds: a
// safe setup must stay CLEAN for all of them, an unsafe one must reach its
// expected verdict and never exceed it — unless the catalog marks the
// scenario Disputed, in which case the disagreement must still be measured.
func TestCatalogVerdicts(t *testing.T) {
	for _, sc := range scenarios.All() {
		t.Run(sc.Name, func(t *testing.T) {
			m, err := scenarios.Measure(sc, *seeds)
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("%s over %d seeds: %v, %.1f RPCs/op", sc.Name, m.Seeds, m.Verdicts, m.RPCsPerOp)
			switch {
			case !m.Agrees && !sc.Disputed:
				t.Errorf("%s: expected %s, measured %v; replay: nfsmail run %s --seed %d", sc.Name, sc.Expected, m.Verdicts, sc.Name, m.FirstBad)
			case m.Agrees && sc.Disputed:
				t.Errorf("%s is marked Disputed but now agrees with the guide (%v): update the catalog", sc.Name, m.Verdicts)
			}
			if m.RPCsPerOp == 0 {
				t.Errorf("%s did no NFS work", sc.Name)
			}
		})
	}
}

func TestAgrees(t *testing.T) {
	for _, tc := range []struct {
		expected check.Verdict
		got      map[check.Verdict]int
		want     bool
	}{
		{check.Clean, map[check.Verdict]int{check.Clean: 20}, true},
		{check.Clean, map[check.Verdict]int{check.Clean: 19, check.SelfHealed: 1}, false},
		{check.SelfHealed, map[check.Verdict]int{check.Clean: 18, check.SelfHealed: 2}, true},
		{check.SelfHealed, map[check.Verdict]int{check.Clean: 20}, false},
		{check.SelfHealed, map[check.Verdict]int{check.SelfHealed: 5, check.Corrupted: 1}, false},
		{check.Corrupted, map[check.Verdict]int{check.Clean: 3, check.SelfHealed: 3, check.Corrupted: 1}, true},
		{check.Corrupted, map[check.Verdict]int{check.Corrupted: 3, check.Unknown: 1}, false},
	} {
		if got := scenarios.Agrees(tc.expected, tc.got); got != tc.want {
			t.Errorf("Agrees(%s, %v) = %v, want %v", tc.expected, tc.got, got, tc.want)
		}
	}
}

// TestDirectorStaysCleanUnderAnyInterleaving lets rapid choose every
// scheduling decision, so a failure shrinks to a short interleaving.
func TestDirectorStaysCleanUnderAnyInterleaving(t *testing.T) {
	sc := lookup(t, "maildir-director")
	sc.Workload = mailgen.Spec{Users: 2, Deliveries: 4, Sessions: 2, Commands: 3,
		Duration: 20 * time.Second, Idle: 2 * time.Second, ClientIPs: 2}
	rapid.Check(t, func(t *rapid.T) {
		seed := rapid.Uint64().Draw(t, "seed")
		choose := sim.ChooserFunc(func(n int) int { return rapid.IntRange(0, n-1).Draw(t, "next") })
		res, err := scenarios.Run(sc, scenarios.Options{Seed: seed, Chooser: choose})
		if err != nil {
			t.Fatal(err)
		}
		if res.Verdict != check.Clean {
			t.Fatalf("verdict %s: %v", res.Verdict, res.Findings)
		}
	})
}

func TestValidateNamesTheProblem(t *testing.T) {
	good := lookup(t, "maildir-director")
	for _, tc := range []struct {
		mutate func(*scenarios.Scenario)
		want   string
	}{
		{func(s *scenarios.Scenario) { s.Format = "mbox" }, `format "mbox"`},
		{func(s *scenarios.Scenario) { s.Hosts = 0 }, "hosts = 0"},
		{func(s *scenarios.Scenario) { s.Routing = "dns" }, `routing "dns"`},
		{func(s *scenarios.Scenario) { s.Mount = "actimeo=x" }, `mount option "actimeo=x"`},
		{func(s *scenarios.Scenario) { s.Expected = "FINE" }, `expected verdict "FINE"`},
		{func(s *scenarios.Scenario) { s.Workload.Keywords = -1 }, "keywords = -1"},
		{func(s *scenarios.Scenario) { s.Workload.Folders = 1000 }, "folders = 1000"},
	} {
		sc := good
		tc.mutate(&sc)
		_, err := scenarios.Run(sc, scenarios.Options{})
		if err == nil || !contains(err.Error(), tc.want) {
			t.Errorf("error %v, want it to mention %s", err, tc.want)
		}
	}
}

func contains(s, sub string) bool { return strings.Contains(s, sub) }

// A doveadm force-resync job rebuilds the index (Dovecot logs "Rebuilding
// index"); the rebuild the operator asked for is kept in the log but is not
// a finding. Its reset ends the user's open IMAP sessions, which is.
func TestForceResyncRebuildsAndEndsSessions(t *testing.T) {
	sc, err := scenarios.Lookup("sdbox-director-force-resync")
	if err != nil {
		t.Fatal(err)
	}
	res, err := scenarios.Run(sc, scenarios.Options{Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	rebuilds := 0
	for _, l := range res.Log {
		if strings.Contains(l.Proc, "/doveadm-force-resync-") && strings.Contains(l.Text, "Rebuilding index") {
			rebuilds++
		}
	}
	cutOff := 0
	for _, f := range res.Findings {
		switch {
		case f.Kind == check.EngineError && strings.HasSuffix(f.Detail, "dovecot.index reset, view is now inconsistent"):
		case f.Kind == check.TempFail && strings.Contains(f.Detail, mailstore.ErrInconsistent.Error()):
			cutOff++
		default:
			t.Errorf("finding %v", f)
		}
	}
	if rebuilds == 0 || cutOff == 0 || res.Verdict != check.SelfHealed {
		t.Fatalf("%d requested rebuilds logged, %d sessions cut off, verdict %s, findings %v", rebuilds, cutOff, res.Verdict, res.Findings)
	}
}

// When a drain moves users, the director kicks their sessions and holds
// their new connections for director_user_kick_delay: no process of a
// moved user starts on any backend during the delay.
func TestDrainHoldsMovedUsersForTheKickDelay(t *testing.T) {
	sc, err := scenarios.Lookup("maildir-director-folders")
	if err != nil {
		t.Fatal(err)
	}
	sc.Workload.Duration, sc.Workload.Sessions, sc.Workload.Deliveries = 20*time.Second, 30, 10
	sc.Events = []scenarios.Event{{At: 5 * time.Second, Kind: scenarios.Drain, Host: 0, For: 5 * time.Second}}
	res, err := scenarios.Run(sc, scenarios.Options{Seed: 1, TraceLimit: 1 << 20})
	if err != nil {
		t.Fatal(err)
	}
	held := map[string]bool{} // users the director held ("director holds deliver user01 for 1.2s")
	for _, e := range res.Trace {
		if f := strings.Fields(e.Text); len(f) > 3 && f[0] == "director" && f[1] == "holds" {
			held[f[3]] = true
		}
	}
	if len(held) == 0 {
		t.Fatal("no connection was held during a move")
	}
	for _, e := range res.Trace {
		user := ""
		for u := range held {
			if strings.Contains(e.Proc, "-"+u+"-") {
				user = u
			}
		}
		for _, from := range []time.Duration{5 * time.Second, 10 * time.Second} {
			if user != "" && (strings.Contains(e.Proc, "/imap-") || strings.Contains(e.Proc, "/lmtp-")) &&
				startedIn(res.Trace, e.Proc, from, from+sc.DirectorKickDelay) {
				t.Fatalf("%s of moved %s started during the kick delay after %v", e.Proc, user, from)
			}
		}
	}
	if res.Verdict != check.Clean {
		t.Fatalf("verdict %s: %v", res.Verdict, res.Findings)
	}
}

// startedIn reports whether proc's first event lies in (from, to).
func startedIn(trace []sim.Event, proc string, from, to time.Duration) bool {
	for _, e := range trace {
		if e.Proc == proc {
			return e.At > from && e.At < to
		}
	}
	return false
}

// --keep DIR creates DIR (and its parents) when it does not exist.
func TestKeepCreatesTheDirectory(t *testing.T) {
	sc := lookup(t, "maildir-director")
	sc.Workload = mailgen.Spec{Users: 1, Deliveries: 2, Sessions: 1, Commands: 1, Duration: time.Second}
	dir := filepath.Join(t.TempDir(), "new", "store")
	if _, err := scenarios.Run(sc, scenarios.Options{Seed: 1, Keep: dir}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "user01", "Maildir", "dovecot-uidlist")); err != nil {
		t.Fatal(err)
	}
}

// With moves, sessions move messages to Archive, and the audit reads
// Archive and finds them there.
func TestMovesReachArchive(t *testing.T) {
	for _, format := range []string{"maildir", "sdbox", "mdbox"} {
		sc := lookup(t, "maildir-director")
		sc.Format = format
		sc.Workload.Moves = true
		res, err := scenarios.Run(sc, scenarios.Options{Seed: 1, TraceLimit: 1 << 20})
		if err != nil {
			t.Fatal(err)
		}
		moves, archived := 0, 0
		for _, e := range res.Trace {
			if strings.HasPrefix(e.Text, "ack move ") {
				moves++
			}
			var user string
			var n int
			if _, err := fmt.Sscanf(e.Text, "ack audit %s %d mails", &user, &n); err == nil && strings.HasSuffix(user, "/Archive:") {
				archived += n
			}
		}
		if moves == 0 || archived == 0 || res.Verdict != check.Clean {
			t.Errorf("%s: %d moves, %d messages in Archive at the audit, verdict %s %v", format, moves, archived, res.Verdict, res.Findings)
		}
	}
	sc := lookup(t, "mdbox-director")
	sc.Workload.Moves, sc.Settings.IndexMemory = true, true
	if _, err := scenarios.Run(sc, scenarios.Options{Seed: 1}); err == nil || !strings.Contains(err.Error(), "INBOX only") {
		t.Errorf("mdbox with moves and INDEX=MEMORY: %v, want the scenario refused", err)
	}
}
