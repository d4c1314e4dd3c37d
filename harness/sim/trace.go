package sim

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash"
	"time"
)

// Event is one line of a run's trace.
type Event struct {
	Step int           // index in the trace
	At   time.Duration // virtual time since the start of the run
	Proc string        // the process that caused it ("" for the harness)
	Text string
}

func (e Event) String() string {
	who := e.Proc
	if who == "" {
		who = "-"
	}
	return fmt.Sprintf("%6d %12s %-14s %s", e.Step, fmtDur(e.At), who, e.Text)
}

func fmtDur(d time.Duration) string {
	return fmt.Sprintf("%d.%06ds", d/time.Second, (d%time.Second)/time.Microsecond)
}

// Trace accumulates events and a running SHA-256 over them. It keeps at most
// Limit events in memory (0 keeps all); the hash covers every event.
type Trace struct {
	Limit  int
	events []Event
	n      int
	h      hash.Hash
}

func newTrace(limit int) *Trace { return &Trace{Limit: limit, h: sha256.New()} }

func (t *Trace) add(e Event) {
	e.Step = t.n
	t.n++
	fmt.Fprintf(t.h, "%d|%d|%s|%s\n", e.Step, e.At, e.Proc, e.Text)
	if t.Limit > 0 && len(t.events) >= t.Limit {
		copy(t.events, t.events[1:])
		t.events = t.events[:len(t.events)-1]
	}
	t.events = append(t.events, e)
}

// Len is the number of events recorded so far.
func (t *Trace) Len() int { return t.n }

// Events returns the events kept in memory, oldest first.
func (t *Trace) Events() []Event { return t.events }

// SHA256 returns the hex hash of every event so far.
func (t *Trace) SHA256() string {
	return hex.EncodeToString(t.h.Sum(nil))
}
