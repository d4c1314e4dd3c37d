package sdbox_test

import (
	"slices"
	"testing"

	"github.com/nfsmail/nfsmail/mailstore"
	"github.com/nfsmail/nfsmail/mailstore/mailtest"
	"github.com/nfsmail/nfsmail/mailstore/sdbox"
	"github.com/nfsmail/nfsmail/vfs"
)

// COPY hard-links the u.<uid> file into the destination, as
// sdbox_copy_hardlink does: one inode with two names, the destination's
// record carrying the flags and keywords; MOVE then drops the source name.
func TestCopyHardLinks(t *testing.T) {
	w := mailtest.NewWorld()
	h := w.Host("imap1", 7, 0)
	inbox, err := sdbox.New(h.Env, "alice")
	if err != nil {
		t.Fatal(err)
	}
	archive, err := sdbox.NewMailbox(h.Env, "alice", "Archive")
	if err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= 2; i++ {
		if _, err := inbox.Deliver(mailtest.Message(i)); err != nil {
			t.Fatal(err)
		}
	}
	m := mailstore.Mail{UID: 2, MessageID: "<m2@test>", Flags: mailstore.Seen, Keywords: []string{"Junk"}}
	uid, err := inbox.CopyTo(archive, m)
	if err != nil || uid != 1 {
		t.Fatalf("CopyTo = %d, %v", uid, err)
	}
	src, dst := "alice/mailboxes/INBOX/dbox-Mails/u.2", "alice/mailboxes/Archive/dbox-Mails/u.1"
	if s, d := mustStat(t, w, src), mustStat(t, w, dst); s.Ino != d.Ino || s.Nlink != 2 {
		t.Errorf("copy is inode %d, source %d with %d links; want one inode, two links", d.Ino, s.Ino, s.Nlink)
	}
	mails, err := archive.Sync()
	if err != nil || len(mails) != 1 || mails[0].MessageID != "<m2@test>" || mails[0].Flags != mailstore.Seen ||
		!slices.Equal(mails[0].Keywords, []string{"Junk"}) {
		t.Fatalf("Archive = %+v, %v", mails, err)
	}
	if _, err := mailstore.Move(inbox, archive, mailstore.Mail{UID: 1, MessageID: "<m1@test>"}); err != nil {
		t.Fatal(err)
	}
	if got := mustStat(t, w, "alice/mailboxes/Archive/dbox-Mails/u.2"); got.Nlink != 1 {
		t.Errorf("moved file has %d links, want 1", got.Nlink)
	}
	if p := sdbox.Fsck(w.FS, "alice"); len(p) != 0 {
		t.Errorf("fsck: %q", p)
	}
	if len(h.Log.Entries) != 0 {
		t.Errorf("log %v", h.Log.Entries)
	}
}

func mustStat(t *testing.T, w *mailtest.World, p string) *vfs.Stat {
	t.Helper()
	fi, err := w.FS.Stat(p)
	if err != nil {
		t.Fatal(err)
	}
	return vfs.StatOf(fi)
}

// A message file that is gone when read is looked up again in the
// refreshed index (sdbox_mail_set_expunged): expunged by another session
// meanwhile is silent; still listed is "Unexpectedly lost" and a rebuild.
func TestMissingFileLostOnlyWhenStillIndexed(t *testing.T) {
	w := mailtest.NewWorld()
	a, b := w.Host("imap1", 7, 0), w.Host("imap1", 8, 0)
	ma, err := sdbox.New(a.Env, "alice")
	if err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= 2; i++ {
		if _, err := ma.Deliver(mailtest.Message(i)); err != nil {
			t.Fatal(err)
		}
	}
	mb, err := sdbox.New(b.Env, "alice")
	if err != nil {
		t.Fatal(err)
	}
	if mails, err := mb.Sync(); err != nil || len(mails) != 2 {
		t.Fatalf("b: %v, %v", mails, err)
	}
	if err := ma.Expunge(1); err != nil {
		t.Fatal(err)
	}
	if _, err := mb.Body(1); err != mailstore.ErrExpunged {
		t.Fatalf("b reads uid 1 another session expunged: %v", err)
	}
	if len(b.Log.Entries) != 0 {
		t.Fatalf("an expunge by another session logged %v", b.Log.Entries)
	}
	if err := w.FS.Remove("alice/mailboxes/INBOX/dbox-Mails/u.2"); err != nil {
		t.Fatal(err)
	}
	if _, err := mb.Body(2); err != mailstore.ErrExpunged {
		t.Fatalf("b reads a vanished uid 2: %v", err)
	}
	if got := b.Log.Find("UID=2: dbox: Unexpectedly lost uid"); len(got) != 1 {
		t.Errorf("a file gone from under the index logged %v", b.Log.Entries)
	}
}
