package sim

import (
	"errors"
	"fmt"
	"runtime/debug"
	"time"
)

// ErrBudget is returned by Run when the step or time budget ran out before
// every process finished. A run that ends this way has no verdict but
// UNKNOWN: running out of budget is never a pass.
var ErrBudget = errors.New("sim: budget exhausted")

// errKilled unwinds a killed process's goroutine.
var errKilled = errors.New("sim: process killed")

// Options configure a Scheduler.
type Options struct {
	// Chooser picks the next process among the ready ones. Required.
	Chooser Chooser
	// MaxSteps bounds the number of scheduling decisions (0 = 10 million).
	MaxSteps int
	// MaxTime bounds virtual time (0 = unbounded).
	MaxTime time.Duration
	// TraceLimit is how many trace events are kept in memory (0 = all).
	TraceLimit int
}

// Scheduler runs simulated processes one at a time in an order its Chooser
// decides, over a virtual clock.
type Scheduler struct {
	opts    Options
	now     time.Duration
	procs   []*Proc
	current *Proc
	back    chan struct{}
	steps   int
	nextID  int
	trace   *Trace
}

// New returns a scheduler at virtual time zero.
func New(opts Options) *Scheduler {
	if opts.Chooser == nil {
		panic("harness internal error: sim.New without a Chooser")
	}
	if opts.MaxSteps == 0 {
		opts.MaxSteps = 10_000_000
	}
	return &Scheduler{opts: opts, back: make(chan struct{}), trace: newTrace(opts.TraceLimit)}
}

// Now is the current virtual time since the start of the run, including the
// cost the running process has charged so far in its current step.
func (s *Scheduler) Now() time.Duration {
	if s.current != nil {
		return s.now + s.current.cost
	}
	return s.now
}

// Steps is the number of scheduling decisions made so far.
func (s *Scheduler) Steps() int { return s.steps }

// Trace returns the run's trace.
func (s *Scheduler) Trace() *Trace { return s.trace }

// Current returns the running process, or nil when harness code runs.
func (s *Scheduler) Current() *Proc { return s.current }

// Charge adds d to the running process's current step: it will not run
// again before d of virtual time has passed. Outside a process it advances
// the clock directly.
func (s *Scheduler) Charge(d time.Duration) {
	if s.current != nil {
		s.current.cost += d
		return
	}
	s.now += d
}

// Tracef records an event by the running process.
func (s *Scheduler) Tracef(format string, args ...any) {
	name := ""
	if s.current != nil {
		name = s.current.name
	}
	s.trace.add(Event{At: s.Now(), Proc: name, Text: fmt.Sprintf(format, args...)})
}

// Spawn creates a process named name (unique names keep traces readable)
// with tag as its group (e.g. the host it runs on). It first runs when the
// scheduler picks it. Spawn may be called by harness code or by a process.
func (s *Scheduler) Spawn(name, tag string, fn func(p *Proc)) *Proc {
	p := &Proc{s: s, id: s.nextID, name: name, tag: tag, wake: s.Now(), run: make(chan bool)}
	s.nextID++
	s.procs = append(s.procs, p)
	go p.main(fn)
	return p
}

// Kill ends every live process with the given tag at its next scheduling
// point (a host crash). It must not be called by a process with that tag.
func (s *Scheduler) Kill(tag string) {
	for _, p := range s.procs {
		if p.tag == tag && !p.done {
			if p == s.current {
				panic("harness internal error: a process killed its own host")
			}
			p.killed = true
		}
	}
}

// Run schedules processes until all have finished. It returns the first
// harness error (a process panic), or ErrBudget when the budget ran out; in
// both cases every remaining process is killed so no goroutine outlives Run.
func (s *Scheduler) Run() error {
	defer s.killAll()
	for {
		s.reap()
		if len(s.procs) == 0 {
			return nil
		}
		ready := s.ready()
		if len(ready) == 0 {
			s.now = s.earliestWake()
			continue
		}
		if s.steps >= s.opts.MaxSteps || (s.opts.MaxTime > 0 && s.now > s.opts.MaxTime) {
			return ErrBudget
		}
		p := ready[s.opts.Chooser.Choose(len(ready))]
		s.steps++
		if err := s.resume(p); err != nil {
			return err
		}
	}
}

func (s *Scheduler) ready() []*Proc {
	var ready []*Proc
	for _, p := range s.procs {
		if p.wake <= s.now {
			ready = append(ready, p)
		}
	}
	return ready
}

func (s *Scheduler) earliestWake() time.Duration {
	w := s.procs[0].wake
	for _, p := range s.procs[1:] {
		w = min(w, p.wake)
	}
	return w
}

// resume runs p until its next scheduling point and accounts its step.
func (s *Scheduler) resume(p *Proc) error {
	s.current = p
	p.run <- true
	<-s.back
	s.current = nil
	if p.err != nil {
		return p.err
	}
	p.wake = max(p.wake, s.now+p.cost+p.sleep)
	p.cost, p.sleep = 0, 0
	return nil
}

// reap drops finished processes and unwinds killed ones.
func (s *Scheduler) reap() {
	live := s.procs[:0]
	for _, p := range s.procs {
		if p.killed && !p.done {
			p.run <- false
			<-s.back
		}
		if !p.done {
			live = append(live, p)
		}
	}
	clear(s.procs[len(live):])
	s.procs = live
}

func (s *Scheduler) killAll() {
	for _, p := range s.procs {
		p.killed = true
	}
	s.reap()
}

// Proc is one simulated process.
type Proc struct {
	s      *Scheduler
	id     int
	name   string
	tag    string
	wake   time.Duration
	cost   time.Duration
	sleep  time.Duration
	run    chan bool
	done   bool
	killed bool
	err    error
}

// Name returns the process's name.
func (p *Proc) Name() string { return p.name }

// Tag returns the process's group (its host).
func (p *Proc) Tag() string { return p.tag }

// ID returns a small number unique within the run, usable as a pid.
func (p *Proc) ID() int { return p.id }

// Scheduler returns the scheduler p runs under.
func (p *Proc) Scheduler() *Scheduler { return p.s }

// Yield is a scheduling point: p hands the baton back and continues when
// the scheduler picks it again. A killed process does not return.
func (p *Proc) Yield() {
	if p.s.current != p {
		panic("harness internal error: Yield by a process that is not running")
	}
	if p.killed {
		panic(errKilled)
	}
	p.s.back <- struct{}{}
	if !<-p.run {
		panic(errKilled)
	}
}

// Sleep makes p wait d of virtual time (at least one scheduling point).
func (p *Proc) Sleep(d time.Duration) {
	p.sleep += d
	p.Yield()
}

func (p *Proc) main(fn func(p *Proc)) {
	defer func() {
		if r := recover(); r != nil && r != errKilled {
			p.err = fmt.Errorf("harness internal error: process %s panicked: %v\n%s", p.name, r, debug.Stack())
		}
		p.done = true
		p.s.back <- struct{}{}
	}()
	if !<-p.run {
		return
	}
	fn(p)
}
