package sim

import (
	"errors"
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"
)

// run spawns three processes that interleave steps and returns the trace hash.
func run(t *testing.T, seed uint64) (string, []Event) {
	t.Helper()
	s := New(Options{Chooser: RandChooser{Stream(seed, "sched")}})
	for i := range 3 {
		s.Spawn(fmt.Sprintf("p%d", i), "h", func(p *Proc) {
			for j := range 5 {
				p.Yield()
				s.Charge(time.Millisecond)
				s.Tracef("step %d", j)
			}
		})
	}
	if err := s.Run(); err != nil {
		t.Fatal(err)
	}
	return s.Trace().SHA256(), s.Trace().Events()
}

func TestSameSeedSameTrace(t *testing.T) {
	a, _ := run(t, 7)
	b, _ := run(t, 7)
	if a != b {
		t.Fatalf("same seed gave different traces: %s vs %s", a, b)
	}
	seen := map[string]bool{}
	for seed := range uint64(20) {
		h, _ := run(t, seed)
		seen[h] = true
	}
	if len(seen) < 2 {
		t.Fatalf("20 seeds gave %d distinct interleavings; the chooser is not used", len(seen))
	}
}

func TestVirtualTimeRunsProcessesInParallel(t *testing.T) {
	_, ev := run(t, 1)
	last := ev[len(ev)-1].At
	// three processes of five 1 ms steps each overlap: about 5 ms, not 15.
	if last > 6*time.Millisecond {
		t.Fatalf("virtual time %v: steps of different processes did not overlap", last)
	}
}

func TestSleepJumpsClock(t *testing.T) {
	s := New(Options{Chooser: RandChooser{Stream(1, "x")}})
	var woke time.Duration
	s.Spawn("sleeper", "h", func(p *Proc) {
		p.Sleep(time.Hour)
		woke = s.Now()
	})
	if err := s.Run(); err != nil {
		t.Fatal(err)
	}
	if woke != time.Hour {
		t.Fatalf("woke at %v, want 1h", woke)
	}
}

func TestKillUnwindsHostProcesses(t *testing.T) {
	before := runtime.NumGoroutine()
	s := New(Options{Chooser: RandChooser{Stream(3, "x")}})
	var after int
	s.Spawn("victim", "a", func(p *Proc) {
		defer func() { after = -1 }() // deferred code runs; the panic passes through
		for {
			p.Sleep(time.Second)
			after++
		}
	})
	s.Spawn("nemesis", "b", func(p *Proc) {
		p.Sleep(3500 * time.Millisecond)
		s.Kill("a")
	})
	if err := s.Run(); err != nil {
		t.Fatal(err)
	}
	if after != -1 {
		t.Fatalf("victim was not unwound")
	}
	// a finished process's goroutine may still be on its way out when Run
	// returns: give it a moment, as goleak does, before calling it a leak
	n := runtime.NumGoroutine()
	for i := 0; i < 200 && n > before; i++ {
		runtime.Gosched()
		time.Sleep(5 * time.Millisecond)
		n = runtime.NumGoroutine()
	}
	if n > before {
		t.Fatalf("goroutines leaked: %d before, %d after", before, n)
	}
}

func TestBudgetIsUnknownNotPass(t *testing.T) {
	s := New(Options{Chooser: RandChooser{Stream(1, "x")}, MaxSteps: 50})
	s.Spawn("spinner", "h", func(p *Proc) {
		for {
			p.Yield()
		}
	})
	if err := s.Run(); !errors.Is(err, ErrBudget) {
		t.Fatalf("Run = %v, want ErrBudget", err)
	}
}

func TestPanicIsHarnessError(t *testing.T) {
	s := New(Options{Chooser: RandChooser{Stream(1, "x")}})
	s.Spawn("bad", "h", func(p *Proc) { panic("boom") })
	s.Spawn("other", "h", func(p *Proc) {
		for {
			p.Sleep(time.Second)
		}
	})
	err := s.Run()
	if err == nil || !strings.Contains(err.Error(), "harness internal error") {
		t.Fatalf("Run = %v", err)
	}
}

func TestTraceKeepsTheLastEvents(t *testing.T) {
	tr := newTrace(3)
	for i := range 7 {
		tr.add(Event{At: time.Duration(i), Text: "e"})
	}
	ev := tr.Events()
	if len(ev) != 3 || ev[0].Step != 4 || ev[2].Step != 6 || tr.Len() != 7 || tr.At(5) != 5 {
		t.Fatalf("events %v, len %d", ev, tr.Len())
	}
}
