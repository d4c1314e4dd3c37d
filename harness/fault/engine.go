package fault

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/nfsmail/nfsmail/harness/sim"
	"github.com/nfsmail/nfsmail/nfs3"
)

// ErrInjected is wrapped by every error a fault makes.
var ErrInjected = errors.New("fault: injected")

// Call is what the server knows about a call when it asks Decide.
type Call struct {
	Host      string
	Program   string // "NFS", "MOUNT", "NLM"
	Procedure string // "WRITE", "MNT", "LOCK", ...
	// Path is the target's path relative to the export root ("" if the
	// server could not tell).
	Path string
	Now  time.Duration // virtual time since the start of the run
}

// Action is one fault to apply to a call.
type Action struct {
	Kind   Kind
	Delay  time.Duration
	Status nfs3.Status
	Rule   string // the rule's name
}

// Firing records one fault that fired.
type Firing struct {
	Seq       int // 1-based, in firing order
	Rule      string
	Kind      Kind
	Host      string
	Program   string
	Procedure string
	Path      string
	At        time.Duration
}

func (f Firing) String() string {
	return fmt.Sprintf("#%d %s %s on %s %s.%s %q at %v", f.Seq, f.Rule, f.Kind, f.Host, f.Program,
		f.Procedure, f.Path, f.At)
}

// Error is a failure a fault made; it wraps ErrInjected and, for Status
// actions, the NFS status as an *nfs3.Error.
type Error struct {
	Firing Firing
	Status nfs3.Status
}

func (e *Error) Error() string {
	return fmt.Sprintf("fault: injected %s (rule %s)", e.Firing.Kind, e.Firing.Rule)
}

// Unwrap lets errors.Is match ErrInjected and the status's sentinels.
func (e *Error) Unwrap() []error {
	if e.Status == nfs3.OK {
		return []error{ErrInjected}
	}
	return []error{ErrInjected, nfs3.StatusError(e.Status)}
}

// Engine applies a plan. It is safe for concurrent use; a nil *Engine
// decides nothing.
type Engine struct {
	mu      sync.Mutex
	plan    Plan
	rng     *rand.Rand
	matched []int // matching calls seen, per rule
	fired   []int // firings, per rule
	log     []Firing
}

// New returns an engine for plan whose probabilities are drawn from the
// stream (seed, "fault"). Rules that fail Validate never fire.
func New(plan Plan, seed uint64) *Engine {
	return &Engine{plan: plan, rng: sim.Stream(seed, "fault"),
		matched: make([]int, len(plan.Rules)), fired: make([]int, len(plan.Rules))}
}

// Plan returns the engine's plan.
func (e *Engine) Plan() Plan {
	if e == nil {
		return Plan{}
	}
	return e.plan
}

// NeedsPath reports whether any rule matches on paths, so a server knows
// whether to work out the target path of each call.
func (e *Engine) NeedsPath() bool {
	if e == nil {
		return false
	}
	for _, r := range e.plan.Rules {
		if r.Path != "" {
			return true
		}
	}
	return false
}

// Decide returns the actions that apply to c, in rule order, and records
// them as fired.
func (e *Engine) Decide(c Call) []Action {
	if e == nil || len(e.plan.Rules) == 0 {
		return nil
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	var acts []Action
	for i := range e.plan.Rules {
		r := &e.plan.Rules[i]
		if !e.fires(i, r, c) {
			continue
		}
		e.fired[i]++
		e.log = append(e.log, Firing{Seq: len(e.log) + 1, Rule: r.Name, Kind: r.Action, Host: c.Host,
			Program: c.Program, Procedure: c.Procedure, Path: c.Path, At: c.Now})
		acts = append(acts, Action{Kind: r.Action, Delay: r.Delay, Status: r.Status, Rule: r.Name})
	}
	return acts
}

// fires decides rule i for c; it counts matches and draws probabilities.
func (e *Engine) fires(i int, r *Rule, c Call) bool {
	if r.Validate() != nil || !r.matchProc(c.Program, c.Procedure) {
		return false
	}
	if (r.Host != "" && !glob(r.Host, c.Host)) || (r.Path != "" && !glob(r.Path, c.Path)) {
		return false
	}
	if c.Now < r.From || (r.Until != 0 && c.Now >= r.Until) {
		return false
	}
	e.matched[i]++
	if (r.Nth > 0 && e.matched[i] != r.Nth) || (r.Times > 0 && e.fired[i] >= r.Times) {
		return false
	}
	return r.Probability == 0 || r.Probability >= 1 || e.rng.Float64() < r.Probability
}

// Fired returns every firing so far, in order.
func (e *Engine) Fired() []Firing {
	if e == nil {
		return nil
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]Firing(nil), e.log...)
}

// Last returns the most recent firing of rule name, for building an
// Error about it.
func (e *Engine) Last(name string) (Firing, bool) {
	if e == nil {
		return Firing{}, false
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	for i := len(e.log) - 1; i >= 0; i-- {
		if e.log[i].Rule == name {
			return e.log[i], true
		}
	}
	return Firing{}, false
}
