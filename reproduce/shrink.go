package reproduce

import (
	"context"
	"runtime"
	"slices"
	"sync"

	"github.com/nfsmail/nfsmail/mailgen"
	"github.com/nfsmail/nfsmail/scenarios"
)

// Shrunk is the smallest workload found that still logs every wanted
// signature (with the same scenario and seed).
type Shrunk struct {
	Ops    []mailgen.Op
	Result *scenarios.Result
	// Original is how many operations the seed's workload had.
	Original int
	Runs     int
	// Minimal: the search ended because no single operation could be
	// removed, not because the budget ran out.
	Minimal bool
}

// Shrink removes operations and session commands from the seed's
// workload by delta debugging, keeping those without which sc (same
// seed) no longer logs every signature in want. The complements of one
// granularity are tried in parallel on workers goroutines and the first
// (in order) that still reproduces is kept, so the result does not
// depend on timing, only on how far the budget (ctx) let it get.
func Shrink(ctx context.Context, sc scenarios.Scenario, seed uint64, want []string, workers int) (*Shrunk, error) {
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	ops := mailgen.Generate(seed, sc.Workload)
	s := &shrinker{ctx: ctx, sc: sc, seed: seed, want: want, workers: workers}
	res, err := scenarios.Run(sc, scenarios.Options{Seed: seed, Ops: ops, TraceLimit: 1})
	if err != nil {
		return nil, err
	}
	s.runs++
	s.best, s.res = ops, res
	if len(Covered(res.Log, want)) == len(want) {
		s.minimal = s.ddmin() && s.trimCommands()
	}
	return &Shrunk{Ops: s.best, Result: s.res, Original: len(ops), Runs: s.runs, Minimal: s.minimal}, nil
}

type shrinker struct {
	ctx     context.Context
	sc      scenarios.Scenario
	seed    uint64
	want    []string
	workers int
	runs    int
	best    []mailgen.Op
	res     *scenarios.Result
	minimal bool
}

// first runs the candidates in parallel and returns the index of the
// first (in order) that still covers want, or -1.
func (s *shrinker) first(cands [][]mailgen.Op) (int, *scenarios.Result) {
	for lo := 0; lo < len(cands); lo += s.workers {
		if s.ctx.Err() != nil {
			return -1, nil
		}
		hi := min(lo+s.workers, len(cands))
		results := make([]*scenarios.Result, hi-lo)
		var wg sync.WaitGroup
		for i := lo; i < hi; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				res, err := scenarios.Run(s.sc, scenarios.Options{Seed: s.seed, Ops: cands[i], TraceLimit: 1})
				if err == nil && len(Covered(res.Log, s.want)) == len(s.want) {
					results[i-lo] = res
				}
			}()
		}
		wg.Wait()
		s.runs += hi - lo
		for i, r := range results {
			if r != nil {
				return lo + i, r
			}
		}
	}
	return -1, nil
}

// ddmin reports whether it finished (the result is 1-minimal in operations).
func (s *shrinker) ddmin() bool {
	for n := 2; len(s.best) >= 2; {
		if s.ctx.Err() != nil {
			return false
		}
		chunk := (len(s.best) + n - 1) / n
		var cands [][]mailgen.Op
		for start := 0; start < len(s.best); start += chunk {
			cands = append(cands, slices.Concat(s.best[:start], s.best[min(start+chunk, len(s.best)):]))
		}
		if i, res := s.first(cands); i >= 0 {
			s.best, s.res = cands[i], res
			n = max(n-1, 2)
			continue
		}
		if s.ctx.Err() != nil {
			return false
		}
		if chunk == 1 {
			return true
		}
		n = min(2*n, len(s.best))
	}
	return s.ctx.Err() == nil
}

// trimCommands drops single session commands while the signatures hold.
func (s *shrinker) trimCommands() bool {
	for {
		var cands [][]mailgen.Op
		for i, op := range s.best {
			for j := range op.Commands {
				if len(op.Commands) == 1 {
					continue
				}
				cand := slices.Clone(s.best)
				cand[i].Commands = slices.Delete(slices.Clone(op.Commands), j, j+1)
				cands = append(cands, cand)
			}
		}
		if len(cands) == 0 {
			return true
		}
		i, res := s.first(cands)
		if i < 0 {
			return s.ctx.Err() == nil
		}
		s.best, s.res = cands[i], res
	}
}
