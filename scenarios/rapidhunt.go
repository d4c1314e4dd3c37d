package scenarios

import (
	"flag"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"pgregory.net/rapid"

	"github.com/nfsmail/nfsmail/harness/check"
)

// RapidHunt is what ShrinkWithRapid found.
type RapidHunt struct {
	// Schedule is the shrunk corrupting schedule (nil: none found).
	Schedule *Schedule
	// Runs counts every run, the search's and the shrink's.
	Runs    int
	Seconds float64
}

// ShrinkWithRapid searches sc for a corrupting schedule with rapid (at
// most checks draws of DrawSchedule) and shrinks it, as the unsafe
// scenarios' property test does, from outside go test: the benchmark's
// measure of how short a corruption gets when workload, events and seed
// shrink together. It uses process-wide state (rapid's and the testing
// package's flags), so calls must not overlap.
func ShrinkWithRapid(sc Scenario, checks int) (RapidHunt, error) {
	if !flag.Parsed() {
		testing.Init() // rapid asks testing.Short()
		_ = flag.CommandLine.Parse(nil)
	}
	restore := setFlags(map[string]string{"rapid.checks": strconv.Itoa(checks), "rapid.nofailfile": "true"})
	defer restore()
	var (
		h       RapidHunt
		harness error
	)
	start := time.Now()
	tb := &searchTB{}
	rapid.Check(tb, func(t *rapid.T) {
		s := DrawSchedule(t, sc)
		h.Runs++
		res, err := s.Run(sc)
		switch {
		case err != nil:
			harness = err
		case res.Verdict == check.Corrupted:
			h.Schedule = &s // rapid replays the minimal case last
			t.Fatalf("corrupted")
		}
	})
	h.Seconds = time.Since(start).Seconds()
	if harness == nil && tb.failed && h.Schedule == nil {
		harness = fmt.Errorf("rapid: %s", tb.report) // a panic in the run, not a corruption
	}
	return h, harness
}

// setFlags sets flags of the process's flag set and returns what puts
// them back.
func setFlags(values map[string]string) func() {
	old := map[string]string{}
	for name, v := range values {
		if f := flag.Lookup(name); f != nil {
			old[name] = f.Value.String()
			_ = f.Value.Set(v)
		}
	}
	return func() {
		for name, v := range old {
			_ = flag.Lookup(name).Value.Set(v)
		}
	}
}

// searchTB is a rapid.TB that keeps rapid's report to itself: a failure
// is the search's result, not an error; the report's first line is kept
// for when it was something else.
type searchTB struct {
	failed bool
	report string
}

func (*searchTB) Helper()              {}
func (*searchTB) Name() string         { return "nfsmail-bench-hunt" }
func (*searchTB) Logf(string, ...any)  {}
func (*searchTB) Log(...any)           {}
func (*searchTB) Skipf(string, ...any) {}
func (*searchTB) Skip(...any)          {}
func (*searchTB) SkipNow()             {}
func (t *searchTB) Errorf(format string, args ...any) {
	t.failed = true
	if t.report == "" {
		t.report, _, _ = strings.Cut(fmt.Sprintf(format, args...), "\n")
	}
}
func (t *searchTB) Error(...any)          { t.failed = true }
func (t *searchTB) Fatalf(string, ...any) { t.failed = true }
func (t *searchTB) Fatal(...any)          { t.failed = true }
func (*searchTB) FailNow()                {}
func (t *searchTB) Fail()                 { t.failed = true }
func (t *searchTB) Failed() bool          { return t.failed }

var _ rapid.TB = (*searchTB)(nil)
