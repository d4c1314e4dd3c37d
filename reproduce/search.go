package reproduce

import (
	"context"
	"fmt"
	"math/rand/v2"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/nfsmail/nfsmail/scenarios"
)

// Candidate is one simulated run the search tries: a base scenario,
// knobs applied to it in order, and a seed.
type Candidate struct {
	Base  string `json:"base"`
	Knobs []Knob `json:"knobs"`
	Seed  uint64 `json:"seed"`
	// Phase is "guided" or "random".
	Phase string `json:"phase"`
}

func (c Candidate) String() string {
	parts := []string{c.Base}
	for _, k := range c.Knobs {
		parts = append(parts, k.String())
	}
	return fmt.Sprintf("%s seed %d", strings.Join(parts, " + "), c.Seed)
}

// Query is what the search looks for and where.
type Query struct {
	// Want are the signature names a run must log to reproduce the report.
	Want []string
	// Base, if set, is the reporter's own setup (assess.Build); otherwise
	// the catalog scenarios whose formats fit Want are the bases.
	Base *scenarios.Scenario
	// FixedSettings: the reporter gave their settings, so knobs that
	// change Dovecot settings are not tried. FixedMount likewise for mount
	// options.
	FixedSettings, FixedMount bool
	// Force is applied after every candidate's knobs (a proposed change
	// of settings, --try).
	Force []Knob
	// Seed drives the random phase.
	Seed uint64
	// Workers run in parallel (0 = GOMAXPROCS).
	Workers int
}

// Hit is a run and which wanted signatures it logged.
type Hit struct {
	Candidate Candidate
	Scenario  scenarios.Scenario
	Result    *scenarios.Result
	Covered   []string
	index     int
	err       error
}

// Found is what Search returns.
type Found struct {
	// Best covers the most wanted signatures (all of them when Complete);
	// nil when no run logged any.
	Best     *Hit
	Complete bool
	Runs     int
	Elapsed  time.Duration
	// FirstSeen is when (wall time since the start) and after how many
	// runs each wanted signature was first logged.
	FirstSeen map[string]Seen
}

// Seen records when a signature was first logged.
type Seen struct {
	Run     int     `json:"run"`
	Seconds float64 `json:"seconds"`
}

// Search runs candidates (guided ones first, then seeded random variants)
// on q.Workers goroutines until one covers every wanted signature or ctx
// is done (the budget). Each run is deterministic; which runs finish
// within the budget depends on the machine, but among the runs made the
// earliest complete one in candidate order is returned, so a longer
// budget never changes an answer found under a shorter one.
func Search(ctx context.Context, q Query) (*Found, error) {
	gen, err := newGenerator(q)
	if err != nil {
		return nil, err
	}
	workers := q.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	start := time.Now()
	found := &Found{FirstSeen: map[string]Seen{}}
	jobs := make(chan job)
	results := make(chan *Hit)
	var wg sync.WaitGroup
	var firstErr error
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range jobs {
				results <- runCandidate(j, q.Want)
			}
		}()
	}
	go func() { wg.Wait(); close(results) }()
	done := ctx.Done()
	inFlight, next, stop := 0, 0, false
	for !stop || inFlight > 0 {
		var send chan job
		var j job
		if !stop {
			c, ok := gen.next()
			if !ok {
				stop = true
				continue
			}
			send, j = jobs, c
			j.index = next
		}
		select {
		case send <- j:
			next++
			inFlight++
			continue
		case h := <-results:
			inFlight--
			if h.err != nil && firstErr == nil {
				firstErr = h.err
			}
			found.record(h, start, q.Want)
			if found.Complete {
				stop = true
			}
		case <-done:
			stop = true
		}
		if stop && jobs != nil {
			done = nil
			close(jobs)
			jobs = nil
		}
	}
	if jobs != nil {
		close(jobs)
	}
	found.Elapsed = time.Since(start)
	if found.Best == nil && firstErr != nil {
		return found, firstErr
	}
	return found, nil
}

func (f *Found) record(h *Hit, start time.Time, want []string) {
	f.Runs++
	if h.Result == nil {
		return
	}
	for _, s := range h.Covered {
		if _, ok := f.FirstSeen[s]; !ok {
			f.FirstSeen[s] = Seen{Run: f.Runs, Seconds: time.Since(start).Seconds()}
		}
	}
	complete := len(h.Covered) == len(want)
	better := f.Best == nil || len(h.Covered) > len(f.Best.Covered) ||
		(len(h.Covered) == len(f.Best.Covered) && h.index < f.Best.index)
	if len(h.Covered) > 0 && better {
		f.Best, f.Complete = h, complete
	}
}

type job struct {
	index int
	c     Candidate
	sc    scenarios.Scenario
}

func runCandidate(j job, want []string) *Hit {
	res, err := scenarios.Run(j.sc, scenarios.Options{Seed: j.c.Seed, TraceLimit: 1})
	if err != nil {
		return &Hit{Candidate: j.c, index: j.index, err: fmt.Errorf("%s: %w", j.c, err)}
	}
	return &Hit{Candidate: j.c, Scenario: j.sc, Result: res, Covered: Covered(res.Log, want), index: j.index}
}

// Covered returns which of want a simulated log contains.
func Covered(log []scenarios.LogLine, want []string) []string {
	got := SimulatedSignatures(log)
	var out []string
	for _, w := range want {
		if got[w] > 0 {
			out = append(out, w)
		}
	}
	return out
}

// SimulatedSignatures counts the signatures of a simulated run's log.
func SimulatedSignatures(log []scenarios.LogLine) map[string]int {
	out := map[string]int{}
	for _, l := range log {
		if s := Classify(Normalize(l.Text, procUser(l.Proc))); s != nil {
			out[s.Name]++
		}
	}
	return out
}

var procRe = regexp.MustCompile(`^(.*)-([^-]+)-(\d+)$`)

// procName splits a simulated process name ("backend2/imap-user01-31",
// "doveadm-purge-user01-2") into Dovecot's service name and the user.
func procName(proc string) (service, user string) {
	proc = proc[strings.LastIndex(proc, "/")+1:]
	m := procRe.FindStringSubmatch(proc)
	if m == nil {
		return proc, ""
	}
	service, _, _ = strings.Cut(m[1], "-purge")
	return service, m[2]
}

func procUser(proc string) string { _, u := procName(proc); return u }

// generator yields candidates: the guided list, then random variants.
type generator struct {
	q      Query
	bases  []scenarios.Scenario
	pool   []Knob
	guided []Candidate
	rng    *rand.Rand
}

func newGenerator(q Query) (*generator, error) {
	if len(q.Want) == 0 {
		return nil, fmt.Errorf("reproduce: no signature the model can produce was reported")
	}
	g := &generator{q: q, rng: rand.New(rand.NewPCG(q.Seed, 0x7265_7072_6f64_7563))}
	var emitters []string
	for _, name := range q.Want {
		sig, ok := SignatureByName(name)
		if !ok {
			return nil, fmt.Errorf("reproduce: unknown signature %q", name)
		}
		emitters = append(emitters, sig.Scenarios...)
		for _, kn := range sig.Knobs {
			if g.allowed(kn) && !slices.Contains(g.pool, kn) {
				g.pool = append(g.pool, kn)
			}
		}
	}
	if q.Base != nil {
		g.bases = []scenarios.Scenario{*q.Base}
	} else {
		g.bases = catalogBases(q.Want, emitters)
	}
	if len(g.bases) == 0 {
		return nil, fmt.Errorf("reproduce: no scenario has a mailbox format that logs all of %s", strings.Join(q.Want, ", "))
	}
	g.guided = g.guidedList(emitters)
	return g, nil
}

func (g *generator) allowed(kn Knob) bool {
	switch {
	case g.q.FixedSettings && scenarios.IsSetting(kn.Key):
		return false
	case g.q.FixedMount && kn.Key == "mount":
		return false
	}
	for _, f := range g.q.Force {
		if f.Key == kn.Key {
			return false
		}
	}
	return true
}

// catalogBases are catalog scenarios whose format can log every wanted
// signature, the known emitters first (most wanted signatures first).
func catalogBases(want, emitters []string) []scenarios.Scenario {
	var out []scenarios.Scenario
	for _, sc := range scenarios.All() {
		ok := true
		for _, w := range want {
			sig, _ := SignatureByName(w)
			if sig.Formats != nil && !slices.Contains(sig.Formats, sc.Format) {
				ok = false
			}
		}
		if ok {
			out = append(out, sc)
		}
	}
	// Rank: how many wanted signatures list the scenario, then where
	// it first appears in their lists (most plausible first).
	rank := func(sc scenarios.Scenario) (int, int) {
		n, first := 0, len(emitters)
		for i, e := range emitters {
			if e == sc.Name {
				n++
				first = min(first, i)
			}
		}
		return n, first
	}
	slices.SortStableFunc(out, func(a, b scenarios.Scenario) int {
		na, fa := rank(a)
		nb, fb := rank(b)
		if na != nb {
			return nb - na
		}
		return fa - fb
	})
	return out
}

// guidedList: the known emitters as they are (seeds 1..2), then with
// each single knob (seed 1), then as they are (seeds 3..8), then every
// base with each single knob (seeds 1..3).
func (g *generator) guidedList(emitters []string) []Candidate {
	var out []Candidate
	isEmitter := func(b scenarios.Scenario) bool { return g.q.Base != nil || slices.Contains(emitters, b.Name) }
	plain := func(from, to uint64) {
		for seed := from; seed <= to; seed++ {
			for _, b := range g.bases {
				if isEmitter(b) {
					out = append(out, Candidate{Base: b.Name, Seed: seed, Phase: "guided"})
				}
			}
		}
	}
	knobbed := func(from, to uint64, only func(scenarios.Scenario) bool) {
		for seed := from; seed <= to; seed++ {
			for _, b := range g.bases {
				for _, kn := range g.pool {
					if only(b) {
						out = append(out, Candidate{Base: b.Name, Knobs: []Knob{kn}, Seed: seed, Phase: "guided"})
					}
				}
			}
		}
	}
	plain(1, 2)
	knobbed(1, 1, isEmitter)
	plain(3, 8)
	knobbed(1, 3, func(b scenarios.Scenario) bool { return true })
	return out
}

func (g *generator) base(name string) scenarios.Scenario {
	for _, b := range g.bases {
		if b.Name == name {
			return b
		}
	}
	panic("harness internal error: unknown base " + name)
}

// next returns the next candidate whose scenario is valid.
func (g *generator) next() (job, bool) {
	for tries := 0; tries < 10000; tries++ {
		var c Candidate
		switch {
		case len(g.guided) > 0:
			c, g.guided = g.guided[0], g.guided[1:]
		default:
			c = g.random()
		}
		sc, err := Build(g.base(c.Base), c.Knobs, g.q.Force)
		if err == nil {
			return job{c: c, sc: sc}, true
		}
	}
	return job{}, false
}

// random draws a base, one to three knobs of the pool and a seed.
func (g *generator) random() Candidate {
	b := g.bases[g.rng.IntN(min(len(g.bases), 1+g.rng.IntN(len(g.bases))))]
	c := Candidate{Base: b.Name, Seed: 1 + g.rng.Uint64N(1_000_000), Phase: "random"}
	if len(g.pool) > 0 {
		for _, i := range g.rng.Perm(len(g.pool))[:1+g.rng.IntN(min(3, len(g.pool)))] {
			c.Knobs = append(c.Knobs, g.pool[i])
		}
		slices.SortStableFunc(c.Knobs, func(a, b Knob) int { return strings.Compare(a.Key, b.Key) })
	}
	return c
}

// Build applies knobs, then force, to base. A forced mount knob replaces
// the mount options instead of adding to them (a proposed mount line).
func Build(base scenarios.Scenario, knobs, force []Knob) (scenarios.Scenario, error) {
	sc := base
	var err error
	for _, kn := range knobs {
		if sc, err = kn.Apply(sc); err != nil {
			return sc, err
		}
	}
	for _, kn := range force {
		if kn.Key == "mount" {
			sc.Mount = ""
		}
		if sc, err = kn.Apply(sc); err != nil {
			return sc, err
		}
	}
	return sc, nil
}
