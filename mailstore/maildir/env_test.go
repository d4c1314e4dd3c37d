package maildir_test

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/nfsmail/nfsmail/mailstore"
	"github.com/nfsmail/nfsmail/mailstore/maildir"
	"github.com/nfsmail/nfsmail/mailstore/mailtest"
	"github.com/nfsmail/nfsmail/vfs"
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

// Opening a missing INBOX autocreates it under mailboxes.lock, as
// Dovecot's mailbox_create does: while another process holds the lock
// the open waits, and fails when the lock stays taken; an existing INBOX
// opens without it.
func TestAutocreateTakesTheMailboxListLock(t *testing.T) {
	w := mailtest.NewWorld()
	if err := vfs.MkdirAll(w.FS, "alice/Maildir", 0o700); err != nil {
		t.Fatal(err)
	}
	held, err := w.FS.OpenFile("alice/Maildir/mailboxes.lock", vfs.O_RDWR|vfs.O_CREATE, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	if err := vfs.Lock(held, vfs.WriteLock, false); err != nil {
		t.Fatal(err)
	}
	a := w.Host("a", 1, 0)
	a.Env.Settings.MailMaxLockTimeout = 2 * time.Second
	if _, err := maildir.New(a.Env, "alice"); err == nil || len(a.Log.Find("Couldn't create mailbox list lock")) != 1 {
		t.Fatalf("open of a missing INBOX with the list locked: err %v, log %v", err, a.Log.Entries)
	}
	if _, err := w.FS.Stat("alice/Maildir/cur"); err == nil {
		t.Fatal("INBOX created without the lock")
	}
	_ = vfs.Lock(held, vfs.Unlock, false)
	if _, err := maildir.New(a.Env, "alice"); err != nil {
		t.Fatalf("open once the lock is free: %v", err)
	}
	if err := vfs.Lock(held, vfs.WriteLock, false); err != nil {
		t.Fatal(err)
	}
	if _, err := maildir.New(w.Host("b", 2, 0).Env, "alice"); err != nil {
		t.Errorf("open of an existing INBOX waited for the list lock: %v", err)
	}
}
