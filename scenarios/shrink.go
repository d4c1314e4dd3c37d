package scenarios

import (
	"fmt"

	"github.com/nfsmail/nfsmail/harness/check"
	"github.com/nfsmail/nfsmail/mailgen"
)

// Shrunk is a minimal workload that still shows a verdict.
type Shrunk struct {
	Ops    []mailgen.Op
	Result *Result
	// Runs is how many runs the search took.
	Runs int
}

// Shrink looks for the smallest part of seed's workload under which sc,
// replayed with the same seed, still reaches at least verdict want (the
// scheduling choices and fault draws still come from the seed). It removes
// operations and session commands by delta debugging (ddmin), so the
// result is 1-minimal: dropping any one operation loses the verdict. It
// fails when the full workload does not reach want.
func Shrink(sc Scenario, seed uint64, want check.Verdict, maxRuns int) (*Shrunk, error) {
	ops := mailgen.Generate(seed, sc.Workload)
	s := &shrinker{sc: sc, seed: seed, want: want, max: maxRuns}
	res, ok, err := s.try(ops)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, fmt.Errorf("shrink %s --seed %d: the run is %s, not %s", sc.Name, seed, res.Verdict, want)
	}
	s.best, s.bestRes = ops, res
	s.ddmin()
	s.trimSessions()
	return &Shrunk{Ops: s.best, Result: s.bestRes, Runs: s.runs}, nil
}

type shrinker struct {
	sc      Scenario
	seed    uint64
	want    check.Verdict
	max     int
	runs    int
	best    []mailgen.Op
	bestRes *Result
}

// try replays ops and reports whether they still reach the verdict.
func (s *shrinker) try(ops []mailgen.Op) (*Result, bool, error) {
	s.runs++
	res, err := Run(s.sc, Options{Seed: s.seed, Ops: ops, TraceLimit: 1})
	if err != nil {
		return nil, false, err
	}
	ok := res.Verdict != check.Unknown && res.Verdict.Severity() >= s.want.Severity()
	return res, ok, nil
}

func (s *shrinker) budget() bool { return s.max <= 0 || s.runs < s.max }

// ddmin removes ever smaller chunks of operations while the verdict holds.
func (s *shrinker) ddmin() {
	for n := 2; len(s.best) >= 2 && s.budget(); {
		chunk := (len(s.best) + n - 1) / n
		removed := false
		for start := 0; start < len(s.best) && s.budget(); start += chunk {
			cand := append(append([]mailgen.Op{}, s.best[:start]...), s.best[min(start+chunk, len(s.best)):]...)
			if res, ok, err := s.try(cand); err == nil && ok {
				s.best, s.bestRes, removed = cand, res, true
				n = max(n-1, 2)
				break
			}
		}
		if !removed {
			if chunk == 1 {
				return
			}
			n = min(2*n, len(s.best))
		}
	}
}

// trimSessions drops session commands one at a time where the verdict
// holds without them.
func (s *shrinker) trimSessions() {
	for i := 0; i < len(s.best) && s.budget(); i++ {
		for j := len(s.best[i].Commands) - 1; j >= 0 && s.budget(); j-- {
			cand := append([]mailgen.Op{}, s.best...)
			op := cand[i]
			op.Commands = append(append([]mailgen.Command{}, op.Commands[:j]...), op.Commands[j+1:]...)
			if len(op.Commands) == 0 {
				continue
			}
			cand[i] = op
			if res, ok, err := s.try(cand); err == nil && ok {
				s.best, s.bestRes = cand, res
			}
		}
	}
}
