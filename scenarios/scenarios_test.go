package scenarios_test

import (
	"encoding/json"
	"flag"
	"strings"
	"testing"
	"time"

	"github.com/nfsmail/nfsmail/harness/check"
	"github.com/nfsmail/nfsmail/harness/sim"
	"github.com/nfsmail/nfsmail/mailgen"
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

func TestCatalogVerdicts(t *testing.T) {
	for _, sc := range scenarios.All() {
		t.Run(sc.Name, func(t *testing.T) {
			count := map[check.Verdict]int{}
			for seed := range uint64(*seeds) {
				res, err := scenarios.Run(sc, scenarios.Options{Seed: seed})
				if err != nil {
					t.Fatal(err)
				}
				count[res.Verdict]++
				if res.Verdict != sc.Expected {
					t.Errorf("seed %d: verdict %s, expected %s; findings %v; replay: %s", seed, res.Verdict, sc.Expected, res.Findings, res.Replay)
				}
				if res.Ops == 0 || res.RPCs == 0 {
					t.Fatalf("seed %d did nothing: %d ops, %d RPCs", seed, res.Ops, res.RPCs)
				}
			}
			t.Logf("%s over %d seeds: %v", sc.Name, *seeds, count)
		})
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
