package maildir_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/nfsmail/nfsmail/mailstore"
	"github.com/nfsmail/nfsmail/mailstore/maildir"
	"github.com/nfsmail/nfsmail/mailstore/mailtest"
	"github.com/nfsmail/nfsmail/vfs"
)

// deliverAndSelect delivers n messages and SELECTs them in a session.
func deliverAndSelect(t *testing.T, w *mailtest.World, h *host, n int) *maildir.Mailbox {
	t.Helper()
	mb := h.open(t)
	for i := 1; i <= n; i++ {
		if _, err := mb.Deliver(message(i)); err != nil {
			t.Fatal(err)
		}
	}
	w.Advance(time.Second)
	if _, err := mb.Sync(); err != nil {
		t.Fatal(err)
	}
	return mb
}

func curNames(t *testing.T, w *mailtest.World) []string {
	t.Helper()
	ents, err := w.FS.ReadDir("alice/Maildir/cur")
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range ents {
		_, info, _ := strings.Cut(e.Name(), ":2,")
		out = append(out, info)
	}
	return out
}

// Keywords become letters in the filename, named by dovecot-keywords in
// the order they were first used; another session reads them back.
func TestKeywordsInFilenames(t *testing.T) {
	w := mailtest.NewWorld()
	h := newHost(w, "mx1", 100, 0)
	mb := deliverAndSelect(t, w, h, 2)
	if err := mb.Store(1, mailstore.Seen, []string{"$Label2", "Junk"}); err != nil {
		t.Fatal(err)
	}
	if err := mb.Store(2, 0, []string{"todo", "Junk"}); err != nil {
		t.Fatal(err)
	}
	data, _ := vfs.ReadFile(w.FS, "alice/Maildir/dovecot-keywords")
	if got := string(data); got != "0 $Label2\n1 Junk\n2 todo\n" {
		t.Errorf("dovecot-keywords = %q", got)
	}
	if got := curNames(t, w); !slices.Equal(got, []string{"Sab", "bc"}) {
		t.Errorf("cur/ flags parts = %q, want Sab and bc", got)
	}
	mails, err := h.open(t).Sync()
	if err != nil || len(mails) != 2 {
		t.Fatalf("second session: %v, %v", mails, err)
	}
	if !slices.Equal(mails[0].Keywords, []string{"$Label2", "Junk"}) || !slices.Equal(mails[1].Keywords, []string{"Junk", "todo"}) {
		t.Errorf("second session reads keywords %q and %q", mails[0].Keywords, mails[1].Keywords)
	}
	if err := mb.Store(1, mailstore.Seen, nil); err != nil {
		t.Fatal(err)
	}
	if got := curNames(t, w); got[0] != "S" {
		t.Errorf("clearing keywords left %q", got[0])
	}
	noErrors(t, h)
}

// A letter dovecot-keywords does not name (the file lost a line) becomes
// a keyword "unknown-<n>" of its own, which the sync adds to the file, as
// maildir_keywords_char_idx does; fsck reports the letter before that.
func TestUnknownKeywordLetter(t *testing.T) {
	w := mailtest.NewWorld()
	h := newHost(w, "mx1", 100, 0)
	mb := deliverAndSelect(t, w, h, 1)
	if err := mb.Store(1, 0, []string{"a", "b"}); err != nil {
		t.Fatal(err)
	}
	if err := vfs.WriteFile(w.FS, "alice/Maildir/dovecot-keywords", []byte("0 a\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	p := maildir.Fsck(w.FS, "alice")
	if len(p) != 1 || !strings.Contains(p[0], "keyword letter b not in dovecot-keywords") {
		t.Errorf("fsck = %q", p)
	}
	w.Advance(2 * time.Second)
	mails, err := h.open(t).Sync()
	if err != nil || len(mails) != 1 || !slices.Equal(mails[0].Keywords, []string{"a", "unknown-1"}) {
		t.Fatalf("sync = %+v, %v", mails, err)
	}
	data, _ := vfs.ReadFile(w.FS, "alice/Maildir/dovecot-keywords")
	if string(data) != "0 a\n1 unknown-1\n" {
		t.Errorf("dovecot-keywords = %q", data)
	}
	if p := maildir.Fsck(w.FS, "alice"); len(p) != 0 {
		t.Errorf("fsck after the sync = %q", p)
	}
}

// Two processes adding keywords within one second: the second write's
// mtime is pushed past the one the first left (the mtime must grow), so
// a process that read the first version notices the second.
func TestKeywordsMtimeGrows(t *testing.T) {
	w := mailtest.NewWorld()
	h := newHost(w, "mx1", 100, 0)
	a := deliverAndSelect(t, w, h, 2)
	b := h.open(t)
	if _, err := b.Sync(); err != nil {
		t.Fatal(err)
	}
	if err := a.Store(1, 0, []string{"one"}); err != nil {
		t.Fatal(err)
	}
	fi1, _ := w.FS.Stat("alice/Maildir/dovecot-keywords")
	if err := b.Store(2, 0, []string{"two"}); err != nil { // reads "one", adds "two" in the same second
		t.Fatal(err)
	}
	fi2, _ := w.FS.Stat("alice/Maildir/dovecot-keywords")
	if fi2.ModTime().Unix() <= fi1.ModTime().Unix() {
		t.Fatalf("mtime %v then %v: did not grow", fi1.ModTime(), fi2.ModTime())
	}
	if err := a.Store(1, 0, []string{"one", "two"}); err != nil {
		t.Fatal(err)
	}
	mails, _ := h.open(t).Sync()
	if !slices.Equal(mails[0].Keywords, []string{"one", "two"}) || !slices.Equal(mails[1].Keywords, []string{"two"}) {
		t.Errorf("keywords %q, %q", mails[0].Keywords, mails[1].Keywords)
	}
	noErrors(t, h)
}
