package scenarios

import (
	"runtime"
	"sync"

	"github.com/nfsmail/nfsmail/harness/check"
)

// Measured is a scenario's verdicts over several seeds, with its cost.
type Measured struct {
	Scenario  string                `json:"scenario"`
	Expected  check.Verdict         `json:"expected_verdict"`
	Seeds     int                   `json:"seeds"`
	Verdicts  map[check.Verdict]int `json:"verdicts"`
	RPCsPerOp float64               `json:"rpcs_per_op"`
	// LatencyMsPerOp is the virtual time an operation takes, think time
	// excluded.
	LatencyMsPerOp float64 `json:"latency_ms_per_op"`
	// Agrees says whether the seeds bear the expectation out (see Agrees);
	// FirstBad is a seed to replay when they do not.
	FirstBad uint64 `json:"first_bad_seed,omitempty"`
	// WorstSeed is the first seed that reached the worst verdict measured.
	WorstSeed uint64 `json:"worst_seed"`
	Agrees    bool   `json:"agrees"`
	// Disputed and Why carry the catalog's explanation when the model
	// disagrees with the guide.
	Disputed bool   `json:"disputed,omitempty"`
	Why      string `json:"why"`
}

// Agrees decides whether verdicts over many seeds bear out an expected
// verdict. A safe setup (expected CLEAN) must be CLEAN for every seed. An
// unsafe one (expected SELF-HEALED or CORRUPTED) must reach that verdict for
// at least one seed and never exceed it; CLEAN seeds are fine, since a
// hazard need not strike every time. UNKNOWN never agrees.
func Agrees(expected check.Verdict, verdicts map[check.Verdict]int) bool {
	if verdicts[check.Unknown] > 0 {
		return false
	}
	for v, n := range verdicts {
		if n > 0 && v.Severity() > expected.Severity() {
			return false
		}
	}
	return expected == check.Clean || verdicts[expected] > 0
}

// GuideRow is one claim of the guide with the scenarios that test it.
type GuideRow struct {
	Claim     Claim      `json:"claim"`
	Scenarios []Measured `json:"scenarios"`
}

// Measure runs sc with seeds 1..n (at least 1..sc.MinSeeds) on all cores.
func Measure(sc Scenario, n int) (Measured, error) {
	n = max(n, sc.MinSeeds)
	results := make([]*Result, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	sem := make(chan struct{}, runtime.GOMAXPROCS(0))
	for i := range n {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			results[i], errs[i] = Run(sc, Options{Seed: uint64(i + 1), TraceLimit: 1})
		}()
	}
	wg.Wait()
	m := Measured{Scenario: sc.Name, Expected: sc.Expected, Seeds: n, Verdicts: map[check.Verdict]int{},
		Disputed: sc.Disputed, Why: sc.Why}
	var rpcs, ops int
	var busy float64
	for i, r := range results {
		if errs[i] != nil {
			return m, errs[i]
		}
		m.Verdicts[r.Verdict]++
		rpcs += r.RPCs
		ops += r.Ops
		busy += r.BusySeconds
		if m.WorstSeed == 0 || r.Verdict.Severity() > results[m.WorstSeed-1].Verdict.Severity() {
			m.WorstSeed = r.Seed
		}
		if m.FirstBad == 0 && (r.Verdict.Severity() > sc.Expected.Severity() || (sc.Expected == check.Clean && r.Verdict != check.Clean)) {
			m.FirstBad = r.Seed
		}
	}
	m.Agrees = Agrees(sc.Expected, m.Verdicts)
	if ops > 0 {
		m.RPCsPerOp = float64(rpcs) / float64(ops)
		m.LatencyMsPerOp = 1000 * busy / float64(ops)
	}
	return m, nil
}

// Guide measures every catalog scenario over seeds 1..n and lists the
// guide's claims with the scenarios that bear on each (claims nothing tests
// yet have none).
func Guide(n int, progress func(done, total int)) ([]GuideRow, error) {
	all := All()
	measured := map[string]Measured{}
	for i, sc := range all {
		m, err := Measure(sc, n)
		if err != nil {
			return nil, err
		}
		measured[sc.Name] = m
		if progress != nil {
			progress(i+1, len(all))
		}
	}
	var rows []GuideRow
	for _, c := range Claims {
		row := GuideRow{Claim: c, Scenarios: []Measured{}}
		for _, sc := range all {
			for _, id := range sc.ClaimIDs {
				if id == c.ID {
					row.Scenarios = append(row.Scenarios, measured[sc.Name])
				}
			}
		}
		rows = append(rows, row)
	}
	return rows, nil
}
