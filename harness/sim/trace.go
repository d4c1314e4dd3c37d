package sim

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash"
	"slices"
	"strconv"
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

// Trace accumulates events and a running SHA-256 over them. It keeps the
// last Limit events in memory (0 keeps all) and the virtual time of every
// step; the hash covers every event.
type Trace struct {
	Limit  int
	events []Event // a ring once Limit is reached; start is the oldest
	start  int
	at     []time.Duration
	h      hash.Hash
	buf    []byte
}

func newTrace(limit int) *Trace { return &Trace{Limit: limit, h: sha256.New()} }

func (t *Trace) add(e Event) {
	e.Step = len(t.at)
	t.at = append(t.at, e.At)
	b := strconv.AppendInt(t.buf[:0], int64(e.Step), 10)
	b = append(b, '|')
	b = strconv.AppendInt(b, int64(e.At), 10)
	b = append(b, '|')
	b = append(b, e.Proc...)
	b = append(b, '|')
	b = append(b, e.Text...)
	b = append(b, '\n')
	t.h.Write(b)
	t.buf = b
	if t.Limit > 0 && len(t.events) == t.Limit {
		t.events[t.start] = e
		t.start = (t.start + 1) % t.Limit
		return
	}
	t.events = append(t.events, e)
}

// Len is the number of events recorded so far.
func (t *Trace) Len() int { return len(t.at) }

// At is the virtual time of step (0 <= step < Len()).
func (t *Trace) At(step int) time.Duration { return t.at[step] }

// Events returns the events kept in memory, oldest first.
func (t *Trace) Events() []Event {
	return append(slices.Clone(t.events[t.start:]), t.events[:t.start]...)
}

// SHA256 returns the hex hash of every event so far.
func (t *Trace) SHA256() string {
	return hex.EncodeToString(t.h.Sum(nil))
}
