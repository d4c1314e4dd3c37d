package maildir_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/nfsmail/nfsmail/mailstore"
	"github.com/nfsmail/nfsmail/mailstore/maildir"
	"github.com/nfsmail/nfsmail/mailstore/mailtest"
	"github.com/nfsmail/nfsmail/vfs"
)

// COPY hard-links the message file into the destination Maildir under
// the same base name (maildir_copy_hardlink): one inode, two names; the
// copy gets the message's flags and keywords, and MOVE drops the source.
func TestCopyHardLinks(t *testing.T) {
	w := mailtest.NewWorld()
	h := newHost(w, "imap1", 100, 0)
	inbox := deliverAndSelect(t, w, h, 2)
	archive, err := maildir.NewMailbox(h.Env, "alice", "Archive")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := archive.Sync(); err != nil {
		t.Fatal(err)
	}
	m := mailstore.Mail{UID: 2, MessageID: "<m2@test>", Flags: mailstore.Seen, Keywords: []string{"Junk"}}
	uid, err := inbox.CopyTo(archive, m)
	if err != nil || uid != 1 {
		t.Fatalf("CopyTo = %d, %v", uid, err)
	}
	var linked string // the source file, now with two links
	ents, _ := w.FS.ReadDir("alice/Maildir/cur")
	for _, e := range ents {
		if fi, _ := w.FS.Stat("alice/Maildir/cur/" + e.Name()); vfs.StatOf(fi).Nlink == 2 {
			linked = e.Name()
		}
	}
	copies, _ := w.FS.ReadDir("alice/Maildir/.Archive/cur")
	if linked == "" || len(copies) != 1 || !strings.HasPrefix(copies[0].Name(), strings.SplitN(linked, ":", 2)[0]+":") {
		t.Fatalf("source with two links %q, copies %v: want one inode under the same base name", linked, copies)
	}
	mails, err := archive.Sync()
	if err != nil || len(mails) != 1 || mails[0].MessageID != "<m2@test>" || mails[0].Flags != mailstore.Seen ||
		!slices.Equal(mails[0].Keywords, []string{"Junk"}) {
		t.Fatalf("Archive = %+v, %v", mails, err)
	}
	if _, err := mailstore.Move(inbox, archive, mailstore.Mail{UID: 1, MessageID: "<m1@test>"}); err != nil {
		t.Fatal(err)
	}
	if p := maildir.Fsck(w.FS, "alice"); len(p) != 0 {
		t.Errorf("fsck: %q", p)
	}
	noErrors(t, h)
}

// A second copy of one message into the same folder cannot keep the
// source's base name, which the first copy holds there: it gets a name of
// its own (maildir_filename_check_conflicts), and both copies stay.
func TestCopyTwiceKeepsBoth(t *testing.T) {
	w := mailtest.NewWorld()
	h := newHost(w, "imap1", 100, 0)
	inbox := deliverAndSelect(t, w, h, 1)
	archive, err := maildir.NewMailbox(h.Env, "alice", "Archive")
	if err != nil {
		t.Fatal(err)
	}
	for want := mailstore.UID(1); want <= 2; want++ {
		if uid, err := inbox.CopyTo(archive, mailstore.Mail{UID: 1, MessageID: "<m1@test>"}); err != nil || uid != want {
			t.Fatalf("copy %d = %d, %v", want, uid, err)
		}
	}
	mails, err := archive.Sync()
	if err != nil || len(mails) != 2 || mails[0].MessageID != "<m1@test>" || mails[1].MessageID != "<m1@test>" {
		t.Fatalf("Archive = %+v, %v", mails, err)
	}
	noErrors(t, h)
}
