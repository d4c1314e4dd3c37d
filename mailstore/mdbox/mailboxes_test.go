package mdbox_test

import (
	"slices"
	"testing"

	"github.com/nfsmail/nfsmail/mailstore"
	"github.com/nfsmail/nfsmail/mailstore/mailtest"
	"github.com/nfsmail/nfsmail/mailstore/mdbox"
)

// A MOVE to Archive adds a reference to the map record and drops
// INBOX's: no message data is written, the refcount stays 1. A rebuild of
// the storage (here after the map index is lost) keeps each message in
// the mailbox that referenced it instead of restoring Archive's messages
// into INBOX.
func TestMoveSharesTheMapRecordAndSurvivesARebuild(t *testing.T) {
	w := mailtest.NewWorld()
	h := w.Host("mx1", 7, 0)
	inbox, err := mdbox.New(h.Env, "alice")
	if err != nil {
		t.Fatal(err)
	}
	archive, err := mdbox.NewMailbox(h.Env, "alice", "Archive")
	if err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= 2; i++ {
		if _, err := inbox.Deliver(mailtest.Message(i)); err != nil {
			t.Fatal(err)
		}
	}
	files, _ := w.FS.ReadDir("alice/storage")
	mails, _ := inbox.Sync()
	if _, err := mailstore.Move(inbox, archive, mailstore.Mail{UID: mails[0].UID, MessageID: mails[0].MessageID, Keywords: []string{"$Label1"}}); err != nil {
		t.Fatal(err)
	}
	after, _ := w.FS.ReadDir("alice/storage")
	if len(after) != len(files) {
		t.Errorf("the move wrote storage files: %d entries, then %d", len(files), len(after))
	}
	if p := mdbox.Fsck(w.FS, "alice"); len(p) != 0 {
		t.Fatalf("fsck after the move: %q", p)
	}
	ids := func(mb *mdbox.Mailbox) []string {
		t.Helper()
		mails, err := mb.Sync()
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, m := range mails {
			out = append(out, m.MessageID+" "+m.Flags.String()+" "+slices.Concat(m.Keywords, []string{""})[0])
		}
		return out
	}
	check := func(when string) {
		t.Helper()
		if got := ids(inbox); !slices.Equal(got, []string{mailtest.Message(2).ID + "  "}) {
			t.Errorf("%s: INBOX %q", when, got)
		}
		if got := ids(archive); !slices.Equal(got, []string{mailtest.Message(1).ID + "  $Label1"}) {
			t.Errorf("%s: Archive %q", when, got)
		}
	}
	check("after the move")
	for _, f := range []string{"alice/storage/dovecot.map.index", "alice/storage/dovecot.map.index.log"} {
		_ = w.FS.Remove(f)
	}
	h.Env.PID = 8
	fresh, err := mdbox.New(h.Env, "alice")
	if err != nil {
		t.Fatal(err)
	}
	inbox = fresh
	if archive, err = mdbox.NewMailbox(h.Env, "alice", "Archive"); err != nil {
		t.Fatal(err)
	}
	_, _ = inbox.Sync() // finds its records' map_uids gone: the storage is corrupted
	check("after the rebuild")
	if p := mdbox.Fsck(w.FS, "alice"); len(p) != 0 {
		t.Fatalf("fsck after the rebuild: %q", p)
	}
	if len(h.Log.Find("rebuilding indexes")) == 0 {
		t.Errorf("no rebuild: %v", h.Log.Entries)
	}
}
