package reports

import (
	"encoding/json"
	"io"
	"math"
	"slices"

	"github.com/nfsmail/nfsmail/harness/check"
	"github.com/nfsmail/nfsmail/scenarios"
	"github.com/nfsmail/nfsmail/study"
)

// SchemaVersion is the version of Report's JSON form. It changes only when
// a field changes meaning or goes away; new fields do not change it.
const SchemaVersion = 1

// Report aggregates a study's results per variant.
type Report struct {
	SchemaVersion int       `json:"schema_version"`
	Runs          int       `json:"runs"`
	Variants      []Variant `json:"variants"`
}

// Variant is one scenario variant over all its seeds: safety (verdicts,
// corruption rate) and capacity (NFS RPCs, virtual time) from the same runs.
type Variant struct {
	Variant  string        `json:"variant"`
	Scenario string        `json:"scenario"`
	Knobs    []string      `json:"knobs"`
	Expected check.Verdict `json:"expected_verdict"`
	Runs     int           `json:"runs"`
	// Verdicts counts runs by verdict; Findings counts findings by kind
	// over all runs.
	Verdicts map[check.Verdict]int `json:"verdicts"`
	Findings map[check.Kind]int    `json:"findings"`
	// CorruptionRate is the share of CORRUPTED runs among those with a
	// verdict (UNKNOWN runs are left out), with its Wilson score interval
	// at 95%.
	CorruptionRate float64  `json:"corruption_rate"`
	CorruptionCI   Interval `json:"corruption_rate_ci95"`
	// Agrees says whether the runs bear out the expected verdict
	// (scenarios.Agrees). FirstBadSeed and Replay name the first seed
	// that does not, when there is one.
	Agrees       bool   `json:"agrees"`
	FirstBadSeed uint64 `json:"first_bad_seed,omitempty"`
	Replay       string `json:"replay,omitempty"`
	// FirstCorruption summarises, over the CORRUPTED runs, the virtual
	// time at which damage was first revealed (nil: no such run).
	FirstCorruption *Seconds `json:"first_corruption_seconds"`
	// Cost, over all runs: NFS RPCs per completed mail operation and
	// virtual seconds of run time per completed mail operation.
	RPCs                int     `json:"rpcs"`
	Ops                 int     `json:"ops"`
	RPCsPerOp           float64 `json:"rpcs_per_op"`
	VirtualSecondsPerOp float64 `json:"virtual_seconds_per_op"`
	// LatencyMsPerOp is the virtual time one mail operation takes, think
	// time excluded (what slow storage and lock waits cost a client).
	LatencyMsPerOp float64 `json:"latency_ms_per_op"`

	firstCorruption []float64 // sorted samples behind FirstCorruption
}

// Interval is a confidence interval.
type Interval struct {
	Low  float64 `json:"low"`
	High float64 `json:"high"`
}

// Seconds summarises a sample of virtual times.
type Seconds struct {
	N      int     `json:"n"`
	Min    float64 `json:"min"`
	Median float64 `json:"median"`
	Mean   float64 `json:"mean"`
	Max    float64 `json:"max"`
}

// Build aggregates records (in any order) into a report with one Variant
// per variant name, sorted by name. Records are not checked for duplicate
// keys: merge them with study.Merge first.
func Build(recs []study.Record) Report {
	recs = slices.Clone(recs)
	study.Sort(recs)
	r := Report{SchemaVersion: SchemaVersion, Runs: len(recs), Variants: []Variant{}}
	for i := 0; i < len(recs); {
		j := i + 1
		for j < len(recs) && recs[j].Variant == recs[i].Variant {
			j++
		}
		r.Variants = append(r.Variants, variant(recs[i:j]))
		i = j
	}
	return r
}

// variant aggregates one variant's records, sorted by seed.
func variant(recs []study.Record) Variant {
	first := recs[0]
	v := Variant{Variant: first.Variant, Scenario: first.Scenario, Knobs: slices.Clone(first.Knobs),
		Expected: first.Expected, Runs: len(recs), Verdicts: map[check.Verdict]int{}, Findings: map[check.Kind]int{}}
	if v.Knobs == nil {
		v.Knobs = []string{}
	}
	var virtual, busy float64
	for _, rec := range recs {
		busy += rec.BusySeconds
		v.Verdicts[rec.Verdict]++
		for k, n := range rec.Findings {
			v.Findings[k] += n
		}
		v.RPCs += rec.RPCs
		v.Ops += rec.Ops
		virtual += rec.VirtualSeconds
		if rec.Verdict == check.Corrupted && rec.FirstCorruptionSeconds >= 0 {
			v.firstCorruption = append(v.firstCorruption, rec.FirstCorruptionSeconds)
		}
		if v.FirstBadSeed == 0 && bad(rec.Expected, rec.Verdict) {
			v.FirstBadSeed, v.Replay = rec.Seed, rec.Replay
		}
	}
	v.Agrees = scenarios.Agrees(v.Expected, v.Verdicts)
	if !v.Agrees && v.Replay == "" {
		// No seed exceeded the expectation; none reached it either.
		v.FirstBadSeed, v.Replay = first.Seed, first.Replay
	}
	decided := v.Runs - v.Verdicts[check.Unknown]
	v.CorruptionRate = ratio(float64(v.Verdicts[check.Corrupted]), float64(decided))
	v.CorruptionCI.Low, v.CorruptionCI.High = Wilson(v.Verdicts[check.Corrupted], decided, 1.959963984540054)
	v.RPCsPerOp = ratio(float64(v.RPCs), float64(v.Ops))
	v.VirtualSecondsPerOp = ratio(virtual, float64(v.Ops))
	v.LatencyMsPerOp = 1000 * ratio(busy, float64(v.Ops))
	v.FirstCorruption = summarise(v.firstCorruption)
	return v
}

// bad reports whether one run contradicts an expected verdict on its own.
func bad(expected, got check.Verdict) bool {
	return got.Severity() > expected.Severity() || (expected == check.Clean && got != check.Clean)
}

func ratio(a, b float64) float64 {
	if b == 0 {
		return 0
	}
	return a / b
}

func summarise(xs []float64) *Seconds {
	if len(xs) == 0 {
		return nil
	}
	slices.Sort(xs)
	s := &Seconds{N: len(xs), Min: xs[0], Max: xs[len(xs)-1]}
	for _, x := range xs {
		s.Mean += x
	}
	s.Mean /= float64(len(xs))
	if m := len(xs) / 2; len(xs)%2 == 1 {
		s.Median = xs[m]
	} else {
		s.Median = (xs[m-1] + xs[m]) / 2
	}
	return s
}

// Wilson returns the Wilson score interval for k successes in n trials at
// the normal quantile z (1.96 for 95%). With n = 0 it is [0, 1]: nothing
// is known.
func Wilson(k, n int, z float64) (low, high float64) {
	if n <= 0 {
		return 0, 1
	}
	nf, p := float64(n), float64(k)/float64(n)
	z2 := z * z
	centre := (p + z2/(2*nf)) / (1 + z2/nf)
	half := z / (1 + z2/nf) * math.Sqrt(p*(1-p)/nf+z2/(4*nf*nf))
	return max(0, centre-half), min(1, centre+half)
}

// Disagreeing returns the variants whose runs do not bear out their
// expected verdict.
func (r Report) Disagreeing() []Variant {
	var out []Variant
	for _, v := range r.Variants {
		if !v.Agrees {
			out = append(out, v)
		}
	}
	return out
}

// WriteJSON writes the report as indented JSON.
func (r Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}
