package scenarios

import (
	"slices"
	"time"

	"github.com/nfsmail/nfsmail/harness/check"
)

// Hunt is how long finding a scenario's first corruption took.
type Hunt struct {
	Scenario string `json:"scenario"`
	// Searches are independent searches, each starting at another seed.
	Searches int `json:"searches"`
	Found    int `json:"found"`
	// Median wall time, runs and simulated operations until a run was
	// CORRUPTED (over the searches that found one).
	MedianWallSeconds float64 `json:"median_wall_seconds"`
	MedianRuns        float64 `json:"median_runs"`
	MedianOps         float64 `json:"median_ops"`
	// ShrunkOps is the length of the first corruption's schedule after
	// Shrink, ShrinkSeconds how long shrinking took.
	ShrunkOps     int     `json:"shrunk_ops"`
	ShrinkSeconds float64 `json:"shrink_seconds"`
}

// HuntCorruption measures how fast sc's first corruption is found: it
// runs searches independent searches (seeds 1000·i+1, 1000·i+2, ...), each
// stopping at the first CORRUPTED run or after maxRuns, then shrinks the
// first corruption found. It measures wall time, so it is not deterministic.
func HuntCorruption(sc Scenario, searches, maxRuns int) (Hunt, error) {
	h := Hunt{Scenario: sc.Name, Searches: searches}
	var walls, runs, ops []float64
	first := uint64(0)
	for i := range searches {
		start := time.Now()
		n, nops := 0, 0
		for seed := uint64(1000*i + 1); n < maxRuns; seed++ {
			res, err := Run(sc, Options{Seed: seed, TraceLimit: 1})
			if err != nil {
				return h, err
			}
			n++
			nops += res.Ops + res.OpsFailed
			if res.Verdict == check.Corrupted {
				walls = append(walls, time.Since(start).Seconds())
				runs = append(runs, float64(n))
				ops = append(ops, float64(nops))
				if first == 0 {
					first = seed
				}
				break
			}
		}
	}
	h.Found = len(walls)
	h.MedianWallSeconds, h.MedianRuns, h.MedianOps = median(walls), median(runs), median(ops)
	if first != 0 {
		start := time.Now()
		s, err := Shrink(sc, first, check.Corrupted, 500)
		if err != nil {
			return h, err
		}
		h.ShrunkOps, h.ShrinkSeconds = len(s.Ops), time.Since(start).Seconds()
	}
	return h, nil
}

func median(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	s := slices.Clone(v)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}
