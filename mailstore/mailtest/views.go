package mailtest

import (
	"errors"
	"io/fs"
	"strings"
	"testing"
	"time"

	"github.com/nfsmail/nfsmail/mailstore"
	"github.com/nfsmail/nfsmail/mailstore/index"
	"github.com/nfsmail/nfsmail/vfs"
)

// Resyncer is a Mailbox that `doveadm force-resync` can rebuild.
type Resyncer interface {
	mailstore.Mailbox
	ForceResync() error
}

// CheckResyncEndsSessions is the engines' shared test of index views: a
// session that SELECTed before another process's force-resync has its
// next STORE made but ends with mailstore.ErrInconsistent and Dovecot's
// log line; a new SELECT works again and sees the change.
func CheckResyncEndsSessions(t *testing.T, open func(env mailstore.Env) (Resyncer, error)) {
	t.Helper()
	w := NewWorld()
	imap, admin := w.Host("h", 1, 0), w.Host("h", 2, 0)
	session, err := open(imap.Env)
	if err != nil {
		t.Fatal(err)
	}
	for n := 1; n <= 2; n++ {
		if _, err := session.Deliver(Message(n)); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := session.Sync(); err != nil { // SELECT
		t.Fatal(err)
	}
	if err := session.Store(1, mailstore.Seen, nil); err != nil {
		t.Fatalf("STORE before the resync: %v", err)
	}
	doveadm, err := open(admin.Env)
	if err != nil {
		t.Fatal(err)
	}
	if err := doveadm.ForceResync(); err != nil {
		t.Fatal(err)
	}
	err = session.Store(2, mailstore.Flagged, nil)
	if !errors.Is(err, mailstore.ErrInconsistent) {
		t.Fatalf("STORE after the resync = %v, want ErrInconsistent", err)
	}
	if got := imap.Log.Find("reset, view is now inconsistent"); len(got) != 1 || !strings.HasSuffix(got[0].Text, "dovecot.index reset, view is now inconsistent") {
		t.Errorf("log = %v", imap.Log.Entries)
	}
	mails, err := session.Sync() // a new SELECT
	if err != nil {
		t.Fatal(err)
	}
	want := map[mailstore.UID]mailstore.Flags{1: mailstore.Seen, 2: mailstore.Flagged}
	if len(mails) != 2 {
		t.Fatalf("after the resync: %v", mails)
	}
	for _, ml := range mails {
		if ml.Flags != want[ml.UID] {
			t.Errorf("UID %d has %v, want %v (the cut-off STORE was made)", ml.UID, ml.Flags, want[ml.UID])
		}
	}
	if err := session.Store(1, 0, nil); err != nil {
		t.Errorf("STORE after a new SELECT: %v", err)
	}
}

// CheckChangesRefreshTheList is the engines' shared test of the list
// index after a change: a STORE and an EXPUNGE refresh the user's list
// index (a stat of dovecot.list.index.log at least), as
// index_list_transaction_commit runs index_list_update_mailbox after every
// mailbox transaction that changed something; a STORE of the flags the
// message has changes nothing and leaves the list alone.
func CheckChangesRefreshTheList(t *testing.T, open func(env mailstore.Env) (mailstore.Mailbox, error)) {
	t.Helper()
	w := NewWorld()
	h := w.Host("h", 1, 0)
	stats := 0
	h.Env.FS = &StatFS{FS: w.FS, AfterStat: func(name string) {
		if strings.HasSuffix(name, "/dovecot.list.index.log") {
			stats++
		}
	}}
	mb, err := open(h.Env)
	if err != nil {
		t.Fatal(err)
	}
	for n := 1; n <= 2; n++ {
		if _, err := mb.Deliver(Message(n)); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := mb.Sync(); err != nil { // SELECT
		t.Fatal(err)
	}
	for _, step := range []struct {
		name    string
		do      func() error
		changes bool
	}{
		{"STORE", func() error { return mb.Store(1, mailstore.Seen, nil) }, true},
		{"the same STORE again", func() error { return mb.Store(1, mailstore.Seen, nil) }, false},
		{"EXPUNGE", func() error { return mb.Expunge(2) }, true},
	} {
		before := stats
		if err := step.do(); err != nil {
			t.Fatalf("%s: %v", step.name, err)
		}
		if looked := stats != before; looked != step.changes {
			t.Errorf("%s looked at the list index: %v, want %v", step.name, looked, step.changes)
		}
	}
	if len(h.Log.Entries) != 0 {
		t.Errorf("log %v", h.Log.Entries)
	}
}

// StatFS is a process's view of FS that calls AfterStat (when not nil)
// with the name of each Stat, after it: a count, or another process's step
// at that moment. link(2) and utime(2) go through to FS.
type StatFS struct {
	vfs.FS
	AfterStat func(name string)
}

func (f *StatFS) Stat(name string) (fs.FileInfo, error) {
	fi, err := f.FS.Stat(name)
	if f.AfterStat != nil {
		f.AfterStat(name)
	}
	return fi, err
}

// Link keeps link(2) (dotlocks, mailboxes.lock) working through the wrapper.
func (f *StatFS) Link(oldname, newname string) error { return vfs.Link(f.FS, oldname, newname) }

// Chtimes keeps utime(2) (dotlock refreshes) working through the wrapper.
func (f *StatFS) Chtimes(name string, atime, mtime time.Time) error {
	return vfs.Chtimes(f.FS, name, atime, mtime)
}

// CheckCreateWritesTheHeader is the dbox engines' shared test of CREATE:
// create makes folder Work through the mailbox list, and its index (at
// dir) must have a UIDVALIDITY and the storage's header extension hdrExt
// at once (dbox_mailbox_create_indexes), which the folder's first SELECT
// keeps, without a rebuild.
func CheckCreateWritesTheHeader(t *testing.T, create func(env mailstore.Env) error, dir, hdrExt string,
	open func(env mailstore.Env) (mailstore.Mailbox, error)) {
	t.Helper()
	w := NewWorld()
	h := w.Host("h", 1, 0)
	if err := create(h.Env); err != nil {
		t.Fatal(err)
	}
	header := func() (uint32, bool) {
		ix, err := index.Open(w.Host("h", 9, 0).Env, index.Options{Dir: dir, Prefix: "dovecot.index"})
		if err != nil {
			t.Fatal(err)
		}
		defer ix.Close()
		_, ok := ix.Map().ExtHeader(hdrExt)
		return ix.Map().Hdr.UIDValidity, ok
	}
	uv, ok := header()
	if uv == 0 || !ok {
		t.Fatalf("after CREATE: UIDVALIDITY %d, %s registered %v", uv, hdrExt, ok)
	}
	mb, err := open(h.Env)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := mb.Sync(); err != nil { // SELECT
		t.Fatal(err)
	}
	if after, _ := header(); after != uv {
		t.Errorf("the first SELECT changed UIDVALIDITY %d to %d", uv, after)
	}
	if len(h.Log.Entries) != 0 {
		t.Errorf("log %v", h.Log.Entries)
	}
}
