package maildir_test

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/nfsmail/nfsmail/mailstore"
	"github.com/nfsmail/nfsmail/mailstore/maildir"
	"github.com/nfsmail/nfsmail/vfs/memfs"
)

// world is virtual time shared by the file server (memfs) and the hosts;
// every file operation of interest happens at a distinct instant because
// tests advance it explicitly.
type world struct {
	t  time.Time
	fs *memfs.FS
}

func newWorld() *world {
	w := &world{t: time.Unix(1_700_000_000, 0)}
	w.fs = memfs.New(func() time.Time { return w.t })
	return w
}

func (w *world) advance(d time.Duration) { w.t = w.t.Add(d) }

// clock is one host's clock: skew ahead of the server; Sleep advances the
// world (no other process runs in these tests).
type clock struct {
	w    *world
	skew time.Duration
}

func (c *clock) Now() time.Time        { return c.w.t.Add(c.skew) }
func (c *clock) Sleep(d time.Duration) { c.w.advance(d) }

type host struct {
	env mailstore.Env
	log *mailstore.Recorder
}

func (w *world) host(name string, pid int, skew time.Duration) *host {
	log := &mailstore.Recorder{}
	return &host{log: log, env: mailstore.Env{
		FS: w.fs, Clock: &clock{w: w, skew: skew}, Hostname: name, PID: pid, Log: log,
		Settings: mailstore.DefaultSettings(), Rand: rand.New(rand.NewPCG(uint64(pid), 7)),
	}}
}

// fataler is what testing.T and rapid.T share.
type fataler interface {
	Helper()
	Fatal(args ...any)
}

func (h *host) open(t fataler) *maildir.Mailbox {
	t.Helper()
	mb, err := maildir.New(h.env, "alice")
	if err != nil {
		t.Fatal(err)
	}
	return mb
}

func message(n int) mailstore.Message {
	id := fmt.Sprintf("<m%d@test>", n)
	body := fmt.Sprintf("From: a@test\r\nMessage-ID: %s\r\nSubject: %d\r\n\r\nbody %d\r\n", id, n, n)
	return mailstore.Message{ID: id, Body: []byte(body)}
}

func noErrors(t testing.TB, hosts ...*host) {
	t.Helper()
	for _, h := range hosts {
		for _, e := range h.log.Entries {
			t.Errorf("%s logged %s", h.env.Hostname, e)
		}
	}
}
