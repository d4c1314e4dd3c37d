package reproduce

import (
	"context"
	"fmt"
	"time"

	"github.com/nfsmail/nfsmail/mailgen"
	"github.com/nfsmail/nfsmail/scenarios"
)

// Request is a reported log and what is known about the reporter's setup.
type Request struct {
	// Log is the parsed report (ParseLog).
	Log *Log
	// Setup, if set, is the reporter's configuration as a scenario
	// (assess.Build from doveconf -n and the mount options); its settings
	// and, when MountGiven, its mount options are taken as facts.
	Setup      *scenarios.Scenario
	MountGiven bool
	// Mount, without Setup, fixes the mount options of every candidate.
	Mount string
	// Budget bounds the whole reproduction in wall time (0 = 60 s).
	Budget  time.Duration
	Seed    uint64 // the random phase's seed (0 = 1)
	Workers int    // 0 = GOMAXPROCS
	// Try, if set, is a proposed change: after reproducing, the search
	// runs again with these knobs forced on every candidate.
	Try []Knob
}

// SignatureReport is one signature of the report.
type SignatureReport struct {
	Name       string   `json:"name"`
	Summary    string   `json:"summary"`
	Count      int      `json:"count"`
	Example    string   `json:"example"`
	Normalized string   `json:"normalized"`
	Lines      []int    `json:"lines"`
	Modelled   bool     `json:"modelled"`
	Required   bool     `json:"required"`
	Matched    bool     `json:"matched"` // the reproducing run logged it too
	Mechanisms []string `json:"mechanisms"`
	// FirstSeenSeconds is when the search first logged it (-1: never).
	FirstSeenSeconds float64 `json:"first_seen_seconds"`
}

// Report is the outcome of a reproduction.
type Report struct {
	Reproduced bool              `json:"reproduced"`
	LogFormat  string            `json:"log_format"`
	Signatures []SignatureReport `json:"signatures"`
	Unknown    []Line            `json:"unknown_lines"`
	Unparsed   []Unparsed        `json:"unparsed_lines"`
	Ignored    int               `json:"ignored_lines"`
	Want       []string          `json:"wanted"`
	Covered    []string          `json:"covered"`

	Candidate *Candidate          `json:"candidate,omitempty"`
	Scenario  *scenarios.Scenario `json:"-"`
	Seed      uint64              `json:"seed"`
	Ops       []mailgen.Op        `json:"-"`
	OpsCount  int                 `json:"ops"`
	Original  int                 `json:"original_ops"`
	Minimal   bool                `json:"minimal"`
	Result    *scenarios.Result   `json:"-"`
	Factors   []Factor            `json:"factors"`
	// ExplainRate is how many of ExplainSeeds seeds reproduce the shrunk
	// schedule with every factor present.
	ExplainRate int `json:"explain_rate"`

	SearchRuns    int     `json:"search_runs"`
	SearchSeconds float64 `json:"search_seconds"`
	ShrinkRuns    int     `json:"shrink_runs"`
	TotalSeconds  float64 `json:"total_seconds"`
	Try           *Try    `json:"try,omitempty"`
}

// Try is the outcome of a proposed change of settings.
type Try struct {
	Change []string `json:"change"`
	// Reachable: some run under the change still logged every wanted
	// signature within the budget. false is not proof of safety.
	Reachable bool     `json:"reachable"`
	Covered   []string `json:"covered"`
	Runs      int      `json:"runs"`
	Seconds   float64  `json:"seconds"`
	Replay    string   `json:"example,omitempty"`
}

// Reproduce searches, shrinks and explains. Budget split: the search may
// use all but a quarter of it (at most 15 s kept back), the shrink two
// thirds of what is left, the explanation the rest (plus up to 10 s of
// grace to finish the seeds it started); a Try gets its own budget of the
// same size afterwards.
func Reproduce(ctx context.Context, req Request) (*Report, error) {
	start := time.Now()
	if req.Budget <= 0 {
		req.Budget = 60 * time.Second
	}
	if req.Seed == 0 {
		req.Seed = 1
	}
	groups := GroupLines(req.Log.Lines)
	rep := &Report{LogFormat: req.Log.Format, Unparsed: req.Log.Unparsed, Ignored: req.Log.Ignored, Want: Wanted(groups)}
	q := Query{Want: rep.Want, Base: req.Setup, FixedSettings: req.Setup != nil, FixedMount: req.MountGiven || req.Mount != "",
		Seed: req.Seed, Workers: req.Workers}
	if req.Setup == nil && req.Mount != "" {
		q.Force = append(q.Force, Knob{Key: "mount", Value: req.Mount})
	}
	var found *Found
	if len(rep.Want) > 0 {
		sctx, cancel := context.WithTimeout(ctx, req.Budget-min(req.Budget/4, 15*time.Second))
		var err error
		found, err = Search(sctx, q)
		cancel()
		if err != nil {
			return nil, err
		}
		rep.SearchRuns, rep.SearchSeconds = found.Runs, found.Elapsed.Seconds()
	}
	rep.fillSignatures(groups, found)
	if found != nil && found.Best != nil {
		if err := rep.shrinkAndExplain(ctx, found, start.Add(req.Budget), req.Workers); err != nil {
			return nil, err
		}
	}
	if len(req.Try) > 0 && rep.Reproduced {
		rep.Try = try(ctx, q, req)
	}
	rep.TotalSeconds = time.Since(start).Seconds()
	return rep, nil
}

func (rep *Report) fillSignatures(groups []Group, found *Found) {
	for _, g := range groups {
		if g.Signature == nil {
			rep.Unknown = append(rep.Unknown, g.Lines...)
			continue
		}
		s := g.Signature
		sr := SignatureReport{Name: s.Name, Summary: s.Summary, Count: len(g.Lines), Example: g.Lines[0].Raw,
			Normalized: g.Norm, Modelled: s.Modelled, Mechanisms: s.Mechanisms, FirstSeenSeconds: -1}
		for _, w := range rep.Want {
			sr.Required = sr.Required || w == s.Name
		}
		for _, l := range g.Lines {
			sr.Lines = append(sr.Lines, l.N)
		}
		if found != nil {
			if seen, ok := found.FirstSeen[s.Name]; ok {
				sr.FirstSeenSeconds = seen.Seconds
			}
		}
		rep.Signatures = append(rep.Signatures, sr)
	}
}

func (rep *Report) shrinkAndExplain(ctx context.Context, found *Found, deadline time.Time, workers int) error {
	best := found.Best
	rep.Candidate, rep.Seed, rep.Covered = &best.Candidate, best.Candidate.Seed, best.Covered
	sc := best.Scenario
	sc.Name = "reproduce-" + best.Candidate.Base
	rep.Scenario, rep.Result = &sc, best.Result
	rep.Reproduced = found.Complete
	rep.markMatched(best.Result)
	if !found.Complete {
		return nil
	}
	// Shrink with the covered set and two thirds of what is left.
	left := time.Until(deadline)
	sctx, cancel := context.WithTimeout(ctx, left*2/3)
	sh, err := Shrink(sctx, sc, rep.Seed, rep.Want, workers)
	cancel()
	if err != nil {
		return fmt.Errorf("shrink: %w", err)
	}
	rep.Ops, rep.OpsCount, rep.Original, rep.Minimal, rep.ShrinkRuns = sh.Ops, len(sh.Ops), sh.Original, sh.Minimal, sh.Runs
	rep.Result = sh.Result
	ectx, cancel := context.WithDeadline(ctx, deadline.Add(10*time.Second))
	defer cancel()
	rep.ExplainRate, rep.Factors = Explain(ectx, sc, rep.Seed, sh.Ops, rep.Want, workers)
	return nil
}

func (rep *Report) markMatched(res *scenarios.Result) {
	got := SimulatedSignatures(res.Log)
	for i := range rep.Signatures {
		rep.Signatures[i].Matched = got[rep.Signatures[i].Name] > 0
	}
}

// try reruns the search with the proposed change forced on every candidate.
func try(ctx context.Context, q Query, req Request) *Try {
	t := &Try{}
	for _, k := range req.Try {
		t.Change = append(t.Change, k.String())
	}
	q.Force = append(append([]Knob{}, q.Force...), req.Try...)
	tctx, cancel := context.WithTimeout(ctx, req.Budget)
	defer cancel()
	found, err := Search(tctx, q)
	if err != nil || found == nil {
		return t
	}
	t.Runs, t.Seconds = found.Runs, found.Elapsed.Seconds()
	if found.Best != nil {
		t.Covered, t.Reachable = found.Best.Covered, found.Complete
		if found.Complete {
			t.Replay = found.Best.Candidate.String()
		}
	}
	return t
}
