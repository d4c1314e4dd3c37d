package maildir_test

import (
	"errors"
	"testing"
	"time"

	"github.com/nfsmail/nfsmail/mailstore"
	"github.com/nfsmail/nfsmail/mailstore/maildir"
	"github.com/nfsmail/nfsmail/mailstore/mailtest"
	"github.com/nfsmail/nfsmail/vfs"
)

// A dovecot-uidlist recreated with a new UIDVALIDITY (lost, or written by
// a host that did not see it) makes the next index sync reset the index,
// as maildir_sync_index does; a session that SELECTed before is cut off
// at its next command.
func TestUIDValidityChangeResetsTheIndex(t *testing.T) {
	w := mailtest.NewWorld()
	imap, other := w.Host("h", 1, 0), w.Host("h", 2, 0)
	session, err := maildir.New(imap.Env, "u")
	if err != nil {
		t.Fatal(err)
	}
	for n := 1; n <= 2; n++ {
		if _, err := session.Deliver(mailtest.Message(n)); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := session.Sync(); err != nil {
		t.Fatal(err)
	}
	// another host's uidlist, with a UIDVALIDITY of its own
	if err := vfs.WriteFile(w.FS, "u/Maildir/dovecot-uidlist", []byte("3 V12345 N1 G00000000000000000000000000000000\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	w.Advance(time.Hour)
	mb, err := maildir.New(other.Env, "u")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := mb.Sync(); err != nil {
		t.Fatal(err)
	}
	if got := other.Log.Find("UIDVALIDITY changed"); len(got) != 1 {
		t.Fatalf("log = %v", other.Log.Entries)
	}
	// the old UIDs are gone from the new uidlist: the STORE is answered NO
	// without a sync; the next command's sync finds the reset
	if err := session.Store(1, mailstore.Seen, nil); err == nil {
		t.Fatalf("STORE of a UID the new uidlist does not have succeeded")
	}
	err = session.Expunge(2)
	if !errors.Is(err, mailstore.ErrInconsistent) {
		t.Fatalf("EXPUNGE after the reset = %v, want ErrInconsistent", err)
	}
	if got := imap.Log.Find("reset, view is now inconsistent"); len(got) != 1 {
		t.Errorf("log = %v", imap.Log.Entries)
	}
	// the cut-off EXPUNGE was made, of what UID 2 names in the new uidlist
	if mails, err := session.Sync(); err != nil || len(mails) != 1 {
		t.Errorf("a new SELECT: %v, %v", mails, err)
	}
}

func TestChangesRefreshTheList(t *testing.T) {
	mailtest.CheckChangesRefreshTheList(t, func(env mailstore.Env) (mailstore.Mailbox, error) { return maildir.New(env, "u") })
}
