package mdbox_test

import (
	"io/fs"
	"strings"
	"testing"

	"github.com/nfsmail/nfsmail/mailstore"
	"github.com/nfsmail/nfsmail/mailstore/mailtest"
	"github.com/nfsmail/nfsmail/mailstore/mdbox"
	"github.com/nfsmail/nfsmail/vfs"
)

func names(t *testing.T, fsys vfs.FS, dir string) string {
	t.Helper()
	ents, _ := fsys.ReadDir(dir)
	var out []string
	for _, e := range ents {
		if strings.HasPrefix(e.Name(), "m.") || strings.HasPrefix(e.Name(), ".temp") {
			out = append(out, e.Name())
		}
	}
	return strings.Join(out, " ")
}

func TestFileFormat(t *testing.T) {
	w := mailtest.NewWorld()
	h := w.Host("mx1", 7, 0)
	log := h.Log
	mb, err := mdbox.New(h.Env, "alice")
	if err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= 2; i++ {
		if uid, err := mb.Deliver(mailtest.Message(i)); err != nil || uid != mailstore.UID(i) {
			t.Fatalf("Deliver = %d, %v", uid, err)
		}
	}
	data, err := vfs.ReadFile(w.FS, "alice/storage/m.1")
	if err != nil {
		t.Fatal(err)
	}
	want := "2 M1e C6553f100\n\x01\x02N          000000000000001e\nMessage-ID: <m1@test>\n\nbody 1\n\n\x01\x03\nG"
	if got := string(data[:len(want)]); got != want {
		t.Errorf("m.1 starts %q\nwant        %q", got, want)
	}
	if n := strings.Count(string(data), "\x01\x02N "); n != 2 || !strings.Contains(string(data), "\nBINBOX\n") {
		t.Errorf("m.1 holds %d messages: %q", n, data)
	}
	for _, f := range []string{"alice/storage/dovecot.map.index.log", "alice/mailboxes/INBOX/dbox-Mails/dovecot.index.log"} {
		if _, err := w.FS.Stat(f); err != nil {
			t.Errorf("missing %s: %v", f, err)
		}
	}
	mails, _ := mb.Sync()
	if len(mails) != 2 || mails[1].MessageID != "<m2@test>" || mails[1].Key != "m.1:136" {
		t.Errorf("Sync = %+v", mails)
	}
	if len(log.Entries) != 0 {
		t.Errorf("log %v", log.Entries)
	}
}

// altMailbox is alice's mdbox with ALT storage, two messages per file
// and messages 1..n delivered.
func altMailbox(t *testing.T, n int) (*mailtest.World, mailstore.Env, *mailstore.Recorder, *mdbox.Mailbox) {
	t.Helper()
	w := mailtest.NewWorld()
	h := w.Host("mx1", 7, 0)
	env := h.Env
	env.Settings.MdboxRotateSize = 300 // two messages per file
	env.Settings.AltDir = "alt/%u"
	mb, err := mdbox.New(env, "alice")
	if err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= n; i++ {
		if _, err := mb.Deliver(mailtest.Message(i)); err != nil {
			t.Fatal(err)
		}
	}
	return w, env, h.Log, mb
}

func TestRotatePurgeAltMove(t *testing.T) {
	w, _, log, mb := altMailbox(t, 5)
	if got := names(t, w.FS, "alice/storage"); got != "m.1 m.2 m.3" {
		t.Fatalf("after 5 deliveries: %q", got)
	}
	for _, uid := range []mailstore.UID{1, 3, 4} {
		if err := mb.Expunge(uid); err != nil {
			t.Fatal(err)
		}
	}
	if got := names(t, w.FS, "alice/storage"); got != "m.1 m.2 m.3" {
		t.Fatalf("expunge removed data: %q", got)
	}
	if err := mb.Purge(); err != nil {
		t.Fatal(err)
	}
	if got := names(t, w.FS, "alice/storage"); got != "m.3" { // m.2 had only expunged mail; <m2> moved into m.3
		t.Errorf("after purge: %q", got)
	}
	if err := mb.AltMove(); err != nil {
		t.Fatal(err)
	}
	if got := names(t, w.FS, "alice/storage") + "|" + names(t, w.FS, "alt/alice/storage"); got != "|m.4" {
		t.Errorf("after altmove: %q", got)
	}
	mails, err := mb.Sync()
	if err != nil || len(mails) != 2 || mails[0].MessageID != "<m2@test>" || mails[1].MessageID != "<m5@test>" {
		t.Errorf("Sync = %+v, %v", mails, err)
	}
	if len(log.Entries) != 0 {
		t.Errorf("log %v", log.Entries)
	}
}

// altMoveFirst runs altmove the first time the reader opens an m.* file:
// the reader has refreshed its map, and the files move under it.
type altMoveFirst struct {
	vfs.FS
	altmove func() error
	err     error
}

func (a *altMoveFirst) OpenFile(name string, flag int, perm fs.FileMode) (vfs.File, error) {
	if a.altmove != nil && strings.Contains(name, "/m.") {
		move := a.altmove
		a.altmove = nil
		a.err = move()
	}
	return a.FS.OpenFile(name, flag, perm)
}

// A reader whose map still points at files altmove has since moved must
// follow the move (refresh the map, look again) rather than call the mail
// lost: this is one host, one user, the setup the guide recommends.
func TestReaderFollowsAltMove(t *testing.T) {
	w, env, log, writer := altMailbox(t, 4)
	hook := &altMoveFirst{FS: env.FS, altmove: writer.AltMove}
	renv := env
	renv.PID++
	renv.FS = hook
	reader, err := mdbox.New(renv, "alice")
	if err != nil {
		t.Fatal(err)
	}
	mails, err := reader.Sync()
	if hook.altmove != nil || hook.err != nil {
		t.Fatalf("altmove did not run in the middle of the reader's sync: %v", hook.err)
	}
	if got := names(t, w.FS, "alice/storage"); got != "" {
		t.Fatalf("altmove left %q in primary storage", got)
	}
	if err != nil || len(mails) != 4 || mails[3].MessageID != "<m4@test>" {
		t.Errorf("reader's Sync = %+v, %v", mails, err)
	}
	if len(log.Entries) != 0 {
		t.Errorf("log %v", log.Entries)
	}
}
