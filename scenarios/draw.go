package scenarios

import (
	"fmt"
	"slices"
	"time"

	"pgregory.net/rapid"

	"github.com/nfsmail/nfsmail/mailgen"
	"github.com/nfsmail/nfsmail/mailstore"
)

// Schedule is one drawn run of a scenario: the scheduling seed, the
// workload and the cluster events, all chosen by rapid so that a failure
// shrinks to fewer operations, fewer commands, earlier times, fewer events
// and a smaller seed at once.
type Schedule struct {
	Seed   uint64
	Ops    []mailgen.Op
	Events []Event
}

// DrawSchedule draws a Schedule within the bounds of sc: its users, at
// most as many operations as its workload generates for a seed (capped
// at maxDrawnOps), sessions of at most Commands commands (folder commands
// and keywords only where its workload has them), start times within its
// Duration, and each of sc's events or not, at a time of its own.
func DrawSchedule(t *rapid.T, sc Scenario) Schedule {
	w := sc.Workload
	users := make([]string, max(w.Users, 1))
	for i := range users {
		users[i] = fmt.Sprintf("user%02d", i+1)
	}
	dur := max(w.Duration, time.Second)
	most := min(max(w.Users, 1)*(w.Deliveries+w.Sessions), maxDrawnOps)
	op := rapid.Custom(func(t *rapid.T) mailgen.Op {
		o := mailgen.Op{
			At:   time.Duration(rapid.Int64Range(0, dur.Milliseconds()).Draw(t, "at_ms")) * time.Millisecond,
			User: rapid.SampledFrom(users).Draw(t, "user"),
			Kind: mailgen.Deliver, ClientIP: "192.0.2.25",
		}
		if !rapid.Bool().Draw(t, "session") {
			o.Size = rapid.IntRange(800, 7000).Draw(t, "size")
			return o
		}
		o.Kind = mailgen.Session
		o.ClientIP = fmt.Sprintf("198.51.100.%d", 10+rapid.IntRange(0, max(w.ClientIPs, 1)-1).Draw(t, "client_ip"))
		o.Commands = []mailgen.Command{{Kind: mailgen.Select}}
		if w.Folders > 0 {
			o.Commands = []mailgen.Command{{Kind: mailgen.List}, {Kind: mailgen.Select}}
		}
		o.Commands = append(o.Commands, rapid.SliceOfN(drawCommand(w), 0, max(w.Commands, 1)).Draw(t, "commands")...)
		return o
	})
	s := Schedule{
		Seed: rapid.Uint64Range(1, 1000).Draw(t, "seed"),
		Ops:  rapid.SliceOfN(op, 1, max(most, 1)).Draw(t, "ops"),
	}
	slices.SortStableFunc(s.Ops, func(a, b mailgen.Op) int { return int(a.At - b.At) })
	n := map[string]int{}
	for i := range s.Ops {
		if o := &s.Ops[i]; o.Kind == mailgen.Deliver {
			n[o.User]++
			o.MessageID = fmt.Sprintf("<%s.%d@rapid.invalid>", o.User, n[o.User])
		}
	}
	for i, e := range sc.Events {
		if !rapid.Bool().Draw(t, fmt.Sprintf("event%d", i)) {
			continue
		}
		e.At = time.Duration(rapid.Int64Range(0, dur.Milliseconds()).Draw(t, "event_at_ms")) * time.Millisecond
		if e.For >= time.Millisecond {
			e.For = time.Duration(rapid.Int64Range(1, e.For.Milliseconds()).Draw(t, "event_for_ms")) * time.Millisecond
		}
		s.Events = append(s.Events, e)
	}
	return s
}

// maxDrawnOps bounds a drawn workload: a shrunk corruption is far shorter,
// and a larger draw only slows the search.
const maxDrawnOps = 60

// drawCommand draws one session command; the kinds shrink toward SELECT.
func drawCommand(w mailgen.Spec) *rapid.Generator[mailgen.Command] {
	kinds := []mailgen.CommandKind{mailgen.Select, mailgen.Store, mailgen.Expunge, mailgen.Idle}
	if w.Moves {
		kinds = append(kinds, mailgen.Move)
	}
	if w.Folders > 0 {
		kinds = append(kinds, mailgen.List, mailgen.Create, mailgen.Delete)
		if w.Folders >= 2 {
			kinds = append(kinds, mailgen.Rename)
		}
	}
	var labels []string
	for k := range w.Keywords {
		labels = append(labels, fmt.Sprintf("$Label%d", k+1))
	}
	return rapid.Custom(func(t *rapid.T) mailgen.Command {
		c := mailgen.Command{Kind: rapid.SampledFrom(kinds).Draw(t, "kind")}
		switch c.Kind {
		case mailgen.Store:
			c.Pick = float64(rapid.IntRange(0, 999).Draw(t, "pick")) / 1000
			c.Flags = mailstore.Flags(rapid.IntRange(0, 31).Draw(t, "flags")) &^ mailstore.Deleted
			if len(labels) > 0 {
				c.Keywords = mailstore.SortKeywords(rapid.SliceOfDistinct(rapid.SampledFrom(labels), rapid.ID[string]).Draw(t, "keywords"))
			}
		case mailgen.Expunge, mailgen.Move:
			c.Pick = float64(rapid.IntRange(0, 999).Draw(t, "pick")) / 1000
		case mailgen.Idle:
			c.Wait = time.Duration(rapid.Int64Range(0, 2*max(w.Idle, time.Second).Milliseconds()).Draw(t, "wait_ms")) * time.Millisecond
		case mailgen.Create, mailgen.Delete:
			c.Folder = fmt.Sprintf("Folder%d", rapid.IntRange(1, w.Folders).Draw(t, "folder"))
		case mailgen.Rename:
			i := rapid.IntRange(1, w.Folders).Draw(t, "folder")
			j := 1 + (i+rapid.IntRange(0, w.Folders-2).Draw(t, "to"))%w.Folders
			c.Folder, c.To = fmt.Sprintf("Folder%d", i), fmt.Sprintf("Folder%d", j)
		}
		return c
	})
}

// Run runs the schedule on sc (whose events it replaces).
func (s Schedule) Run(sc Scenario) (*Result, error) {
	sc.Events = s.Events
	return Run(sc, Options{Seed: s.Seed, Ops: s.Ops, TraceLimit: 1})
}
