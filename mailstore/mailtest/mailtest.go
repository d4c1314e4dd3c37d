// Package mailtest is test support for the mail engines' tests
// (mailstore/dotlock, maildir, sdbox, mdbox): a World of virtual time
// shared by a vfs/memfs file server and the hosts' manual clocks, and
// Host, a process environment over it that records what it logs.
//
// Only _test.go files import it: nothing here is part of a simulation.
// Time moves only when a test calls World.Advance or an engine calls
// Clock.Sleep; the test and the engine run in one goroutine.
package mailtest

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"time"

	"pgregory.net/rapid"

	"github.com/nfsmail/nfsmail/mailstore"
	"github.com/nfsmail/nfsmail/vfs/memfs"
)

// Epoch is where a World's time starts.
var Epoch = time.Unix(1_700_000_000, 0)

// World is virtual time shared by the file server and the hosts: FS
// stamps mtime and ctime with T.
type World struct {
	T  time.Time
	FS *memfs.FS
}

// NewWorld returns a World at Epoch with an empty file system.
func NewWorld() *World {
	w := &World{T: Epoch}
	w.FS = memfs.New(func() time.Time { return w.T })
	return w
}

// Advance moves the World's time on by d.
func (w *World) Advance(d time.Duration) { w.T = w.T.Add(d) }

// Clock is one host's mailstore.Clock over a World, Skew ahead of the
// server. Sleep advances the World, records the duration and runs OnSleep,
// standing in for the processes a scheduler would run meanwhile.
type Clock struct {
	W       *World
	Skew    time.Duration
	Sleeps  []time.Duration
	OnSleep func()
}

var _ mailstore.Clock = (*Clock)(nil)

// Now is the World's time plus Skew.
func (c *Clock) Now() time.Time { return c.W.T.Add(c.Skew) }

// Sleep advances the World by d, then runs OnSleep if set.
func (c *Clock) Sleep(d time.Duration) {
	c.Sleeps = append(c.Sleeps, d)
	c.W.Advance(d)
	if c.OnSleep != nil {
		c.OnSleep()
	}
}

// Host is one process: its environment, its clock and the log it writes.
type Host struct {
	Env   mailstore.Env
	Clock *Clock
	Log   *mailstore.Recorder
}

// Host returns process pid on host name over w.FS with its clock skew
// ahead, default settings, a fresh Recorder, and Env.Rand seeded
// (pid, 1).
func (w *World) Host(name string, pid int, skew time.Duration) *Host {
	c := &Clock{W: w, Skew: skew}
	log := &mailstore.Recorder{}
	env := mailstore.Env{
		FS: w.FS, Clock: c, Hostname: name, PID: pid, Log: log,
		Settings: mailstore.DefaultSettings(), Rand: rand.New(rand.NewPCG(uint64(pid), 1)),
	}
	return &Host{Env: env, Clock: c, Log: log}
}

// Message returns test message n: Message-ID <m<n>@test>, CRLF line ends.
func Message(n int) mailstore.Message {
	id := fmt.Sprintf("<m%d@test>", n)
	return mailstore.Message{ID: id, Body: []byte(fmt.Sprintf("Message-ID: %s\r\n\r\nbody %d\r\n", id, n))}
}

// FlagSet is what a STORE sets: system flags and keywords (sorted).
type FlagSet struct {
	Flags    mailstore.Flags
	Keywords []string
}

// Keywords is the pool DrawFlagSet draws keywords from: fewer than the 26
// a Maildir can name, so no engine has to drop one.
var Keywords = []string{"$Label1", "$Label2", "$Junk", "Project-x", "todo"}

// DrawFlagSet draws any system flags and a subset of Keywords.
func DrawFlagSet(t *rapid.T) FlagSet {
	return FlagSet{
		Flags:    mailstore.Flags(rapid.IntRange(0, 31).Draw(t, "flags")),
		Keywords: mailstore.SortKeywords(rapid.SliceOfDistinct(rapid.SampledFrom(Keywords), rapid.ID[string]).Draw(t, "keywords")),
	}
}

// Equal reports whether ml carries exactly f.
func (f FlagSet) Equal(ml mailstore.Mail) bool {
	return ml.Flags == f.Flags && slices.Equal(ml.Keywords, f.Keywords)
}

// CheckMailbox syncs mb and fails t unless it lists exactly the messages
// of want (Message-ID → what their last STORE set), each once.
func CheckMailbox(t *rapid.T, who string, mb mailstore.Mailbox, want map[string]FlagSet) {
	t.Helper()
	mails, err := mb.Sync()
	if err != nil {
		t.Fatalf("%s: Sync: %v", who, err)
	}
	seen := map[string]bool{}
	for _, ml := range mails {
		f, ok := want[ml.MessageID]
		switch {
		case !ok:
			t.Fatalf("%s: %+v should not be there", who, ml)
		case seen[ml.MessageID]:
			t.Fatalf("%s: %s listed twice", who, ml.MessageID)
		case !f.Equal(ml):
			t.Fatalf("%s: %s has %v %q, want %+v", who, ml.MessageID, ml.Flags, ml.Keywords, f)
		}
		seen[ml.MessageID] = true
	}
	if len(seen) != len(want) {
		t.Fatalf("%s: %d of %d messages listed", who, len(seen), len(want))
	}
}
