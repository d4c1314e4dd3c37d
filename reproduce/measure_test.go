package reproduce

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/nfsmail/nfsmail/scenarios"
)

// TestMeasureRoundTrips measures, per mechanism, how long reproduction of
// simulated logs takes and how often it succeeds within 60 s. It runs
// only with NFSMAIL_REPRODUCE_MEASURE=1 (several minutes):
//
//	NFSMAIL_REPRODUCE_MEASURE=1 go test ./reproduce/ -run Measure -v -timeout 60m
func TestMeasureRoundTrips(t *testing.T) {
	if os.Getenv("NFSMAIL_REPRODUCE_MEASURE") == "" {
		t.Skip("set NFSMAIL_REPRODUCE_MEASURE=1")
	}
	cases := []struct {
		scenario, sig string
		knobs         []Knob
	}{
		{"sdbox-random-nolock", "sdbox-uid-file-collision", nil},
		{"sdbox-random", "dbox-lost-uid", nil},
		{"mdbox-random", "mdbox-map-lost", nil},
		{"mdbox-purge-any-host-nolock", "dbox-file-corrupted", nil},
		{"maildir-random-skew150", "dotlock-timestamp-skew", nil},
		{"maildir-unmounted-readonly", "read-only-mount-point", nil},
		{"sdbox-director-lost-replies", "rename-enoent", nil},
		{"sdbox-director-faults", "log-lock-timeout", []Knob{{"lock_method", "dotlock"}}},
		{"mdbox-purge-any-host-nolock", "log-garbage-at-eof", []Knob{{"routing", "random"}}},
	}
	for _, c := range cases {
		sc, _ := scenarios.Lookup(c.scenario)
		sc, _ = Build(sc, c.knobs, nil)
		ok, tried := 0, 0
		var total float64
		for seed := uint64(1); seed <= 40 && tried < 3; seed++ {
			res, err := scenarios.Run(sc, scenarios.Options{Seed: seed, TraceLimit: 1})
			if err != nil || SimulatedSignatures(res.Log)[c.sig] == 0 {
				continue
			}
			// Report only the lines of this signature, as a user would.
			var lines []scenarios.LogLine
			for _, l := range res.Log {
				if s := Classify(Normalize(l.Text, procUser(l.Proc))); s != nil && s.Name == c.sig {
					lines = append(lines, l)
				}
			}
			lg, _ := ParseLog("sim", FormatSimulatedLog(lines))
			tried++
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			f, err := Search(ctx, Query{Want: Wanted(GroupLines(lg.Lines)), Seed: 1})
			cancel()
			if err == nil && f.Complete {
				ok++
				total += f.Elapsed.Seconds()
				t.Logf("%-26s from %s seed %d: %s after %d runs, %.1f s", c.sig, c.scenario, seed, f.Best.Candidate, f.Runs, f.Elapsed.Seconds())
			} else {
				t.Logf("%-26s from %s seed %d: NOT reproduced in 60 s", c.sig, c.scenario, seed)
			}
		}
		t.Logf("== %s: %d/%d reproduced within 60 s, mean %.1f s", c.sig, ok, tried, total/float64(max(ok, 1)))
	}
}
