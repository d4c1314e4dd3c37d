package scenarios_test

import (
	"os"
	"regexp"
	"strconv"
	"testing"

	"github.com/nfsmail/nfsmail/harness/check"
	"github.com/nfsmail/nfsmail/mailgen"
	"github.com/nfsmail/nfsmail/scenarios"
)

// TestShrunkCorruptionsStillReproduce replays the shrunk schedules kept in
// testdata/shrunk (written by `nfsmail shrink`): each must still corrupt
// mail with its seed. They are the regression tests of the unsafe
// scenarios; regenerate one with the command in its header comment.
func TestShrunkCorruptionsStillReproduce(t *testing.T) {
	for _, tc := range []struct {
		scenario string
		seed     uint64
	}{
		{"sdbox-random-nolock", 2}, {"sdbox-director-hiccup-nolock", 2}, {"sdbox-failover-fsync-never", 6},
		{"mdbox-random", 66}, {"mdbox-purge-any-host-nolock", 8},
	} {
		path := "testdata/shrunk/" + tc.scenario + ".ops"
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		ops, err := mailgen.Parse(path, data)
		if err != nil {
			t.Fatal(err)
		}
		sc := lookup(t, tc.scenario)
		res, err := scenarios.Run(sc, scenarios.Options{Seed: tc.seed, Ops: ops})
		if err != nil {
			t.Fatal(err)
		}
		if res.Verdict != check.Corrupted {
			t.Errorf("%s with %s (%d ops): %s, no longer CORRUPTED", tc.scenario, path, len(ops), res.Verdict)
		}
	}
}

func TestShrinkFindsASmallerSchedule(t *testing.T) {
	sc := lookup(t, "maildir-unmounted-writable")
	s, err := scenarios.Shrink(sc, 1, check.Corrupted, 200)
	if err != nil {
		t.Fatal(err)
	}
	full := len(mailgen.Generate(1, sc.Workload))
	if len(s.Ops) >= full || s.Result.Verdict != check.Corrupted {
		t.Fatalf("shrunk to %d of %d ops, verdict %s", len(s.Ops), full, s.Result.Verdict)
	}
	t.Logf("%d ops -> %d in %d runs", full, len(s.Ops), s.Runs)
	if _, err := scenarios.Shrink(lookup(t, "maildir-director"), 1, check.Corrupted, 10); err == nil {
		t.Fatal("shrinking a clean run did not fail")
	}
}

// ShrinkWithRapid finds and shrinks a corruption outside the property
// test: a backend writing into its bare mount point loses the first
// delivery it takes.
func TestShrinkWithRapid(t *testing.T) {
	h, err := scenarios.ShrinkWithRapid(lookup(t, "maildir-unmounted-writable"), 200)
	if err != nil {
		t.Fatal(err)
	}
	if h.Schedule == nil || len(h.Schedule.Ops) > 2 || h.Runs == 0 {
		t.Fatalf("%+v", h)
	}
	res, err := h.Schedule.Run(lookup(t, "maildir-unmounted-writable"))
	if err != nil || res.Verdict != check.Corrupted {
		t.Fatalf("the shrunk schedule replays %v, %v", res.Verdict, err)
	}
}

// TestDemoRunsReachTheirVerdicts keeps `make demo` honest: every
// `run SCENARIO --seed N` line of its recipe must reach the scenario's
// expected verdict, as the recipe's exit status requires.
func TestDemoRunsReachTheirVerdicts(t *testing.T) {
	data, err := os.ReadFile("../Makefile")
	if err != nil {
		t.Skipf("no Makefile beside the package: %v", err)
	}
	re := regexp.MustCompile(`\$\(BIN\) run ([a-z0-9-]+) --seed ([0-9]+)`)
	found := re.FindAllStringSubmatch(string(data), -1)
	if len(found) == 0 {
		t.Fatal("the Makefile's demo runs no scenario with a fixed seed")
	}
	for _, m := range found {
		seed, _ := strconv.ParseUint(m[2], 10, 64)
		sc := lookup(t, m[1])
		res, err := scenarios.Run(sc, scenarios.Options{Seed: seed})
		if err != nil {
			t.Fatal(err)
		}
		if res.Verdict != sc.Expected {
			t.Errorf("make demo: %s --seed %d is %s, expected %s; pick another seed", m[1], seed, res.Verdict, sc.Expected)
		}
	}
}
