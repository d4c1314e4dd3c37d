package maildir_test

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/nfsmail/nfsmail/mailstore"
	"github.com/nfsmail/nfsmail/mailstore/maildir"
	"github.com/nfsmail/nfsmail/mailstore/mailtest"
)

type host struct{ *mailtest.Host }

// newHost is w.Host with maildir's random stream (pid, 7).
func newHost(w *mailtest.World, name string, pid int, skew time.Duration) *host {
	h := w.Host(name, pid, skew)
	h.Env.Rand = rand.New(rand.NewPCG(uint64(pid), 7))
	return &host{h}
}

// fataler is what testing.T and rapid.T share.
type fataler interface {
	Helper()
	Fatal(args ...any)
}

func (h *host) open(t fataler) *maildir.Mailbox {
	t.Helper()
	mb, err := maildir.New(h.Env, "alice")
	if err != nil {
		t.Fatal(err)
	}
	return mb
}

func (h *host) openMailbox(t fataler, name string) *maildir.Mailbox {
	t.Helper()
	mb, err := maildir.NewMailbox(h.Env, "alice", name)
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
		for _, e := range h.Log.Entries {
			t.Errorf("%s logged %s", h.Env.Hostname, e)
		}
	}
}
