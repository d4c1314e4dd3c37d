package index_test

import (
	"errors"
	"io/fs"
	"testing"
	"time"

	"github.com/nfsmail/nfsmail/mailstore"
	"github.com/nfsmail/nfsmail/mailstore/index"
	"github.com/nfsmail/nfsmail/vfs"
	"github.com/nfsmail/nfsmail/vfs/memfs"
)

// reset rebuilds ix's index from its own map, as a force-resync does.
func reset(t *testing.T, ix *index.Index) {
	t.Helper()
	s, err := ix.Begin()
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Reset(s.Map().Clone()); err != nil {
		t.Fatal(err)
	}
}

func TestViewAfterAResetIsInconsistent(t *testing.T) {
	w := newWorld()
	log := &mailstore.Recorder{}
	session := open(t, w.env(1, log, nil))
	appendUIDs(t, session, 3)
	v := session.NewView()
	if err := v.End(nil); err != nil {
		t.Fatalf("nothing happened, yet: %v", err)
	}
	reset(t, open(t, w.env(2, log, nil))) // doveadm force-resync in another process
	appendUIDs(t, session, 1)             // the session's next command is made...
	err := v.End(nil)                     // ...and its sync finds the reset
	if !errors.Is(err, mailstore.ErrInconsistent) {
		t.Fatalf("End after a reset = %v, want ErrInconsistent", err)
	}
	if got := log.Find("dovecot.index reset, view is now inconsistent"); len(got) != 1 {
		t.Fatalf("log = %v", log.Entries)
	}
	if err := v.End(nil); !errors.Is(err, mailstore.ErrInconsistent) {
		t.Errorf("the view stays inconsistent: %v", err)
	}
	if got := uids(open(t, w.env(3, log, nil)).Map()); len(got) != 4 {
		t.Errorf("the command was made before the view broke: UIDs %v", got)
	}
	if err := session.NewView().End(nil); err != nil {
		t.Errorf("a new SELECT's view: %v", err)
	}
	var nilView *index.View // no SELECT yet
	if err := nilView.End(mailstore.ErrExpunged); !errors.Is(err, mailstore.ErrExpunged) {
		t.Errorf("nil view End = %v", err)
	}
}

func TestViewFindsAResetBehindARotation(t *testing.T) {
	w := newWorld()
	log := &mailstore.Recorder{}
	session := open(t, w.env(1, log, nil))
	other := open(t, w.env(2, log, nil))
	appendUIDs(t, session, 1)
	v := session.NewView()
	reset(t, other)
	for range 1200 { // past 32 KiB, then 5 minutes: the reset log rotates
		appendUIDs(t, other, 1)
	}
	w.t = w.t.Add(6 * time.Minute)
	appendUIDs(t, other, 1)
	data, _ := vfs.ReadFile(w.fs, "u/Maildir/dovecot.index.log")
	if h, _ := index.ParseLogHeader(data); h.PrevFileSeq == 0 {
		t.Fatalf("the head should be a rotation, not the reset: %+v", h)
	}
	if err := v.End(nil); !errors.Is(err, mailstore.ErrInconsistent) {
		t.Fatalf("End = %v, want ErrInconsistent (the reset is in .log.2)", err)
	}
}

func TestViewSurvivesRotationAndARepairedLog(t *testing.T) {
	w := newWorld()
	log := &mailstore.Recorder{}
	mod := func(s *mailstore.Settings) { s.MmapDisable = true }
	session := open(t, w.env(1, log, mod))
	other := open(t, w.env(2, log, mod))
	appendUIDs(t, session, 1)
	v := session.NewView()
	for range 1200 {
		appendUIDs(t, other, 1)
	}
	w.t = w.t.Add(6 * time.Minute)
	appendUIDs(t, other, 1)
	if err := v.End(nil); err != nil {
		t.Fatalf("End after a rotation = %v", err)
	}
	// garbage at the end of the log: the next lock holder marks it
	// corrupted and starts a new log chained to its map, not a reset
	f, _ := w.fs.OpenFile("u/Maildir/dovecot.index.log", vfs.O_WRONLY|vfs.O_APPEND, 0)
	f.Write([]byte{0x84, 0x80, 0x80, 0x80, 0, 0, 8, 0, 1, 2})
	f.Close()
	appendUIDs(t, other, 1)
	if got := log.Find("Unexpected garbage at EOF"); len(got) != 1 {
		t.Fatalf("log = %v", log.Entries)
	}
	if err := v.End(nil); err != nil {
		t.Fatalf("End after a repaired log = %v", err)
	}
	if got := log.Find("view is now inconsistent"); len(got) != 0 {
		t.Errorf("log = %v", got)
	}
}

// staleIndexFS serves the first read of dovecot.index from a copy taken
// earlier: a reader that opens between a reset's new log and its
// dovecot.index, or that a stale NFS cache shows the old one.
type staleIndexFS struct {
	vfs.FS
	old []byte
}

func (f *staleIndexFS) OpenFile(name string, flag int, perm fs.FileMode) (vfs.File, error) {
	if name == "u/Maildir/dovecot.index" && f.old != nil {
		old := f.old
		f.old = nil
		tmp := memfs.New(time.Now)
		if err := vfs.WriteFile(tmp, "i", old, 0o600); err != nil {
			return nil, err
		}
		return tmp.OpenFile("i", flag, perm)
	}
	return f.FS.OpenFile(name, flag, perm)
}

// A reset's records are in its log: a reader with an older dovecot.index
// needs nothing else.
func TestOpenAfterAResetReadsItsLog(t *testing.T) {
	w := newWorld()
	log := &mailstore.Recorder{}
	a := open(t, w.env(1, log, nil))
	appendUIDs(t, a, 3)
	s, err := a.Begin()
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Reset(s.Map().Clone()); err != nil { // writes dovecot.index
		t.Fatal(err)
	}
	a.Close()
	old, err := vfs.ReadFile(w.fs, "u/Maildir/dovecot.index")
	if err != nil {
		t.Fatal(err)
	}
	a = open(t, w.env(1, log, nil))
	if s, err = a.Begin(); err != nil {
		t.Fatal(err)
	}
	m := s.Map().Clone()
	m.Recs = m.Recs[:1]
	if err := s.Reset(m); err != nil {
		t.Fatal(err)
	}
	env := w.env(2, log, nil)
	env.FS = &staleIndexFS{FS: w.fs, old: old}
	b := open(t, env)
	if got := uids(b.Map()); len(got) != 1 {
		t.Errorf("a reader opening during the reset sees UIDs %v, want the reset's [1]", got)
	}
	noLog(t, log)
}
