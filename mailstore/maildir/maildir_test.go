package maildir_test

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/nfsmail/nfsmail/mailstore"
	"github.com/nfsmail/nfsmail/mailstore/mailtest"
	"github.com/nfsmail/nfsmail/vfs"
)

func TestDeliverSyncStoreExpunge(t *testing.T) {
	w := mailtest.NewWorld()
	h := newHost(w, "mx1", 100, 0)
	mb := h.open(t)
	for i := 1; i <= 3; i++ {
		w.Advance(time.Second)
		uid, err := mb.Deliver(message(i))
		if err != nil || uid != mailstore.UID(i) {
			t.Fatalf("Deliver %d = %d, %v", i, uid, err)
		}
	}
	w.Advance(time.Second)
	mails, err := mb.Sync()
	if err != nil || len(mails) != 3 {
		t.Fatalf("Sync = %v, %v", mails, err)
	}
	for i, m := range mails {
		if m.UID != mailstore.UID(i+1) || m.MessageID != message(i+1).ID || m.Flags != 0 || m.Size == 0 {
			t.Errorf("mail %d = %+v", i, m)
		}
	}
	if ents, _ := w.FS.ReadDir("alice/Maildir/new"); len(ents) != 0 {
		t.Errorf("SELECT left %d files in new/", len(ents))
	}
	if err := mb.Store(2, mailstore.Seen|mailstore.Flagged, nil); err != nil {
		t.Fatal(err)
	}
	if err := mb.Store(2, mailstore.Seen|mailstore.Answered, nil); err != nil {
		t.Fatal(err)
	}
	if err := mb.Expunge(1); err != nil {
		t.Fatal(err)
	}
	if err := mb.Store(1, mailstore.Seen, nil); !errors.Is(err, mailstore.ErrExpunged) {
		t.Errorf("Store(expunged) = %v", err)
	}
	w.Advance(time.Second)
	mails, _ = mb.Sync()
	if len(mails) != 2 || mails[0].UID != 2 || mails[0].Flags != mailstore.Seen|mailstore.Answered {
		t.Errorf("after store+expunge: %+v", mails)
	}
	cur, _ := w.FS.ReadDir("alice/Maildir/cur")
	if len(cur) != 2 || !strings.HasSuffix(cur[0].Name(), ":2,RS") {
		t.Errorf("cur/ = %v", cur)
	}
	uidlist, _ := vfs.ReadFile(w.FS, "alice/Maildir/dovecot-uidlist")
	t.Logf("dovecot-uidlist:\n%s", uidlist)
	if !strings.HasPrefix(string(uidlist), "3 V") || !strings.Contains(string(uidlist), "\n3 :") {
		t.Errorf("uidlist = %q", uidlist)
	}
	noErrors(t, h)

	// a second session sees the same state
	mails2, err := h.open(t).Sync()
	if err != nil || len(mails2) != 2 || !reflect.DeepEqual(mails2[1], mails[1]) {
		t.Errorf("second session: %+v, %v", mails2, err)
	}
	noErrors(t, h)
}

// TestSameSeedSameStore: everything random comes from Env.Rand, so the
// same run twice leaves byte-identical files and logs.
func TestSameSeedSameStore(t *testing.T) {
	run := func() string {
		w := mailtest.NewWorld()
		h := newHost(w, "mx1", 100, 3*time.Second)
		mb := h.open(t)
		for i := 1; i <= 4; i++ {
			w.Advance(700 * time.Millisecond)
			mb.Deliver(message(i))
		}
		mb.Sync()
		mb.Store(2, mailstore.Seen, nil)
		mb.Expunge(3)
		var b strings.Builder
		for _, dir := range []string{"new", "cur"} {
			ents, _ := w.FS.ReadDir("alice/Maildir/" + dir)
			for _, e := range ents {
				b.WriteString(dir + "/" + e.Name() + "\n")
			}
		}
		data, _ := vfs.ReadFile(w.FS, "alice/Maildir/dovecot-uidlist")
		b.Write(data)
		for _, e := range h.Log.Entries {
			b.WriteString(e.String() + "\n")
		}
		return b.String()
	}
	if a, b := run(), run(); a != b {
		t.Errorf("two runs differ:\n%s\n---\n%s", a, b)
	}
}
