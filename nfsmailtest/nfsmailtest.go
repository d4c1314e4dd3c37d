// Package nfsmailtest lets other projects' tests run nfsmail scenarios and
// assert their verdicts: a storage vendor checking that their NFS server's
// semantics keep a safe Dovecot setup CLEAN, or a Dovecot plugin author
// checking a setting they depend on. A failure names the seed and the
// command that replays it.
//
// # Usage
//
//	func TestDirectorStaysClean(t *testing.T) {
//		sc := nfsmailtest.Lookup(t, "maildir-director")
//		nfsmailtest.ExpectVerdict(t, sc, check.Clean, nfsmailtest.Seeds(20)...)
//	}
//
// Variants come from scenarios.Scenario.With; whole new scenarios are
// plain scenarios.Scenario values or scenario files (scenarios.Load).
//
// # Determinism
//
// Each run is a function of the scenario and its seed, so a failing seed
// fails the same way on every machine. Seeds run in parallel on all cores;
// failures are reported in seed order.
package nfsmailtest

import (
	"fmt"
	"reflect"
	"runtime"
	"sort"
	"strings"
	"sync"

	"github.com/nfsmail/nfsmail/harness/check"
	"github.com/nfsmail/nfsmail/scenarios"
)

// TB is the part of testing.TB this package uses; *testing.T and
// *testing.B satisfy it.
type TB interface {
	Helper()
	Errorf(format string, args ...any)
	Fatalf(format string, args ...any)
}

// Seeds returns the seeds 1..n.
func Seeds(n int) []uint64 {
	s := make([]uint64, n)
	for i := range s {
		s[i] = uint64(i + 1)
	}
	return s
}

// Lookup returns the catalog scenario named name, or fails t.
func Lookup(t TB, name string) scenarios.Scenario {
	t.Helper()
	sc, err := scenarios.Lookup(name)
	if err != nil {
		t.Fatalf("nfsmailtest: %v", err)
	}
	return sc
}

// Run runs sc once per seed (seed 1 when none are given), in parallel, and
// returns the results in the order of seeds. A harness error (a bad
// scenario, a panic in the simulation) fails t with Fatalf; Run then
// returns nil.
func Run(t TB, sc scenarios.Scenario, seeds ...uint64) []*scenarios.Result {
	t.Helper()
	if len(seeds) == 0 {
		seeds = []uint64{1}
	}
	results := make([]*scenarios.Result, len(seeds))
	errs := make([]error, len(seeds))
	var wg sync.WaitGroup
	sem := make(chan struct{}, runtime.GOMAXPROCS(0))
	for i, seed := range seeds {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			results[i], errs[i] = scenarios.Run(sc, scenarios.Options{Seed: seed, TraceLimit: 1})
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("nfsmailtest: %s seed %d: harness error: %v", sc.Name, seeds[i], err)
			return nil
		}
	}
	return results
}

// ExpectVerdict runs sc with each seed and fails t once for every seed
// whose verdict is not want, naming its findings and replay command.
func ExpectVerdict(t TB, sc scenarios.Scenario, want check.Verdict, seeds ...uint64) []*scenarios.Result {
	t.Helper()
	results := Run(t, sc, seeds...)
	for _, r := range results {
		if r.Verdict != want {
			t.Errorf("%s seed %d: verdict %s, want %s%s; replay: %s", sc.Name, r.Seed, r.Verdict, want, found(r), replay(sc, r))
		}
	}
	return results
}

// Expect runs sc with each seed and fails t unless the verdicts bear out
// sc.Expected as scenarios.Agrees decides: a safe setup is CLEAN for every
// seed; an unsafe one reaches its expected verdict for some seed and never
// exceeds it.
func Expect(t TB, sc scenarios.Scenario, seeds ...uint64) []*scenarios.Result {
	t.Helper()
	results := Run(t, sc, seeds...)
	if results == nil {
		return nil
	}
	counts := map[check.Verdict]int{}
	for _, r := range results {
		counts[r.Verdict]++
	}
	if scenarios.Agrees(sc.Expected, counts) {
		return results
	}
	for _, r := range results {
		if r.Verdict.Severity() > sc.Expected.Severity() || (sc.Expected == check.Clean && r.Verdict != check.Clean) {
			t.Errorf("%s seed %d: verdict %s, expected %s%s; replay: %s", sc.Name, r.Seed, r.Verdict, sc.Expected, found(r), replay(sc, r))
			return results
		}
	}
	t.Errorf("%s: no seed of %d reached the expected verdict %s (verdicts: %s)", sc.Name, len(results), sc.Expected, tally(counts))
	return results
}

// found lists a result's findings by kind: " (lost 2, engine-error 1)".
func found(r *scenarios.Result) string {
	if len(r.Findings) == 0 {
		return ""
	}
	n := map[check.Kind]int{}
	var kinds []string
	for _, f := range r.Findings {
		if n[f.Kind]++; n[f.Kind] == 1 {
			kinds = append(kinds, string(f.Kind))
		}
	}
	parts := make([]string, len(kinds))
	for i, k := range kinds {
		parts[i] = fmt.Sprintf("%s %d", k, n[check.Kind(k)])
	}
	return " (" + strings.Join(parts, ", ") + ")"
}

// replay is the command line for catalog scenarios, else the Go call.
func replay(sc scenarios.Scenario, r *scenarios.Result) string {
	if cat, err := scenarios.Lookup(sc.Name); err == nil && reflect.DeepEqual(cat, sc) {
		return r.Replay
	}
	return fmt.Sprintf("nfsmailtest.Run(t, sc, %d) with this test's scenario", r.Seed)
}

func tally(counts map[check.Verdict]int) string {
	var parts []string
	for v, n := range counts {
		parts = append(parts, fmt.Sprintf("%s %d", v, n))
	}
	sort.Strings(parts)
	return strings.Join(parts, ", ")
}
