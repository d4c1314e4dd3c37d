package maildir_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/nfsmail/nfsmail/mailstore"
	"github.com/nfsmail/nfsmail/mailstore/dotlock"
	"github.com/nfsmail/nfsmail/mailstore/mailtest"
	"github.com/nfsmail/nfsmail/vfs"
)

var uidlistLock = dotlock.Settings{
	Timeout: 122 * time.Second, StaleTimeout: 120 * time.Second, UseExcl: true, IONotify: true,
}

// holdUidlistLock makes h look like a process in the middle of a sync.
func holdUidlistLock(t *testing.T, h *host) *dotlock.Lock {
	t.Helper()
	l, err := dotlock.Create(h.Env, "alice/Maildir/dovecot-uidlist", uidlistLock, dotlock.NonBlock)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func TestDeliverWaitsForLiveLock(t *testing.T) {
	w := mailtest.NewWorld()
	a, b := newHost(w, "mx1", 10, 0), newHost(w, "mx2", 20, 0)
	b.Env.Settings.MailMaxLockTimeout = 30 * time.Second // caps the 122 s
	a.open(t)                                            // creates the Maildir
	la := holdUidlistLock(t, a)
	start := w.T
	w.Advance(time.Second)
	uid, err := b.open(t).Deliver(message(1))
	if !errors.Is(err, dotlock.ErrTimeout) || uid != 0 {
		t.Fatalf("Deliver under a live lock = %d, %v; want ErrTimeout", uid, err)
	}
	if waited := w.T.Sub(start); waited < 30*time.Second || waited > 35*time.Second {
		t.Errorf("gave up after %v, want the 30 s mail_max_lock_timeout", waited)
	}
	for _, dir := range []string{"tmp", "new"} {
		if ents, _ := w.FS.ReadDir("alice/Maildir/" + dir); len(ents) != 0 {
			t.Errorf("%s/ after failed delivery: %v", dir, ents)
		}
	}
	if err := la.Release(); err != nil {
		t.Errorf("a.Release = %v", err)
	}
	noErrors(t, a, b)
}

// An untouched lock is stale after 120 s even when its owner still runs.
func TestUntouchedLockGoesStale(t *testing.T) {
	w := mailtest.NewWorld()
	a, b := newHost(w, "mx1", 10, 0), newHost(w, "mx2", 20, 0)
	a.open(t)
	la := holdUidlistLock(t, a)
	w.Advance(100 * time.Second) // b first sees a lock already 100 s old
	if uid, err := b.open(t).Deliver(message(1)); err != nil || uid != 1 {
		t.Fatalf("Deliver = %d, %v", uid, err)
	}
	la.Release()
	if got := a.Log.Find("Our dotlock file alice/Maildir/dovecot-uidlist.lock was deleted"); len(got) != 1 {
		t.Errorf("a log = %v", a.Log.Entries)
	}
}

func TestSkewedHostOverridesLiveLock(t *testing.T) {
	w := mailtest.NewWorld()
	a, b := newHost(w, "mx1", 10, 0), newHost(w, "mx2", 20, 130*time.Second)
	a.open(t)
	la := holdUidlistLock(t, a)
	w.Advance(time.Second)
	uid, err := b.open(t).Deliver(message(1))
	if err != nil || uid != 1 {
		t.Fatalf("skewed Deliver = %d, %v", uid, err)
	}
	if w.T.Sub(mailtest.Epoch) > 5*time.Second {
		t.Errorf("b waited until %v before overriding", w.T)
	}
	if len(b.Log.Find("Created dotlock file's timestamp is different than current time")) == 0 {
		t.Errorf("b log = %v", b.Log.Entries)
	}
	la.Release()
	want := "Our dotlock file alice/Maildir/dovecot-uidlist.lock was deleted"
	if got := a.Log.Find(want); len(got) != 1 || got[0].Level != mailstore.Warning {
		t.Errorf("a log = %v, want %q", a.Log.Entries, want)
	}
}

// hookFS runs a hook before every rename: another process's step.
type hookFS struct {
	vfs.FS
	beforeRename func(oldname, newname string)
}

func (h hookFS) Rename(oldname, newname string) error {
	if h.beforeRename != nil {
		h.beforeRename(oldname, newname)
	}
	return h.FS.Rename(oldname, newname)
}

func TestUidlistTmpSharedByTwoWriters(t *testing.T) {
	w := mailtest.NewWorld()
	a := newHost(w, "mx1", 10, 0)
	mb := a.open(t)
	for i := 1; i <= 2; i++ {
		if _, err := mb.Deliver(message(i)); err != nil {
			t.Fatal(err)
		}
	}
	// While a renames its dovecot-uidlist.tmp, a second writer (who also
	// believes it holds the lock) truncates and rewrites the same .tmp.
	a.Env.FS = hookFS{FS: w.FS, beforeRename: func(oldname, _ string) {
		if strings.HasSuffix(oldname, "dovecot-uidlist.tmp") {
			vfs.WriteFile(w.FS, oldname, []byte("3 V1 N3 G0123456789abcdef0123456789abcdef\n1 :other1\n2 :other2\n"), 0o600)
		}
	}}
	w.Advance(2 * time.Second)
	mb = a.open(t)
	if err := vfs.WriteFile(w.FS, "alice/Maildir/dovecot-uidlist", nil, 0o600); err != nil {
		t.Fatal(err) // an empty uidlist is broken: it gets recreated
	}
	mb.Sync()
	t.Logf("log: %v", a.Log.Entries)
	if got := a.Log.Find("Maildir uidlist dotlock overridden: alice/Maildir/dovecot-uidlist"); len(got) == 0 ||
		got[0].Level != mailstore.Critical {
		t.Errorf("log = %v", a.Log.Entries)
	}
}

func TestExpungedMessageReappears(t *testing.T) {
	w := mailtest.NewWorld()
	h := newHost(w, "mx1", 10, 0)
	lmtp := h.open(t)
	for i := 1; i <= 5; i++ {
		w.Advance(time.Second)
		lmtp.Deliver(message(i))
	}
	w.Advance(time.Second)
	imap := h.open(t)
	mails, _ := imap.Sync()
	name := mails[0].Key + ":2,"
	// a stale directory listing: the file vanishes from cur/ for a while
	w.Advance(2 * time.Second)
	must(t, w.FS.Rename("alice/Maildir/cur/"+name, "alice/hidden"))
	if mails, _ = imap.Sync(); len(mails) != 4 {
		t.Fatalf("after hiding: %d mails", len(mails))
	}
	w.Advance(2 * time.Second)
	must(t, w.FS.Rename("alice/hidden", "alice/Maildir/cur/"+name))
	recreateUidlist(t, w) // another process rewrote dovecot-uidlist meanwhile
	w.Advance(2 * time.Second)
	mails, err := imap.Sync()
	if err != nil || len(mails) != 5 || mails[4].MessageID != message(1).ID || mails[4].UID != 6 {
		t.Fatalf("after reappearing: %+v, %v", mails, err)
	}
	t.Logf("log: %v", h.Log.Entries)
	want := "Maildir alice/Maildir: Expunged message reappeared, giving a new UID (old uid=1, file=" + name + ")"
	if got := h.Log.Find("Expunged message reappeared"); len(got) != 1 || got[0].Text != want {
		t.Errorf("log = %v\nwant %q", h.Log.Entries, want)
	}
}

func recreateUidlist(t *testing.T, w *mailtest.World) {
	t.Helper()
	data, err := vfs.ReadFile(w.FS, "alice/Maildir/dovecot-uidlist")
	must(t, err)
	must(t, vfs.WriteFile(w.FS, "alice/Maildir/dovecot-uidlist.x", data, 0o600))
	must(t, w.FS.Rename("alice/Maildir/dovecot-uidlist.x", "alice/Maildir/dovecot-uidlist"))
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
