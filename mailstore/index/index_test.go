package index_test

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"testing"
	"time"

	"github.com/nfsmail/nfsmail/mailstore"
	"github.com/nfsmail/nfsmail/mailstore/index"
	"github.com/nfsmail/nfsmail/vfs"
	"github.com/nfsmail/nfsmail/vfs/memfs"
)

type clock struct{ t *time.Time }

func (c clock) Now() time.Time        { return *c.t }
func (c clock) Sleep(d time.Duration) { *c.t = c.t.Add(d) }

type world struct {
	t  time.Time
	fs *memfs.FS
}

func newWorld() *world {
	w := &world{t: time.Unix(1_700_000_000, 0)}
	w.fs = memfs.New(func() time.Time { return w.t })
	return w
}

func (w *world) env(pid int, log *mailstore.Recorder, mod func(*mailstore.Settings)) mailstore.Env {
	s := mailstore.DefaultSettings()
	if mod != nil {
		mod(&s)
	}
	return mailstore.Env{FS: w.fs, Clock: clock{&w.t}, Hostname: "h", PID: pid, Log: log, Settings: s}
}

var opts = index.Options{Dir: "u/Maildir", Prefix: "dovecot.index"}

func open(t *testing.T, env mailstore.Env) *index.Index {
	t.Helper()
	ix, err := index.Open(env, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(ix.Close)
	return ix
}

func appendUIDs(t *testing.T, ix *index.Index, n int) {
	t.Helper()
	s, err := ix.Begin()
	if err != nil {
		t.Fatal(err)
	}
	m := s.Map().Clone()
	if m.Hdr.UIDValidity == 0 { // as a storage creating the mailbox does
		m.Hdr.UIDValidity = 1
	}
	for range n {
		m.Recs = append(m.Recs, index.Record{UID: mailstore.UID(m.Hdr.NextUID)})
		m.Hdr.NextUID++
	}
	if err := s.Commit(m.Diff(s.Map())); err != nil {
		t.Fatal(err)
	}
}

func uids(m *index.Map) []mailstore.UID {
	var out []mailstore.UID
	for _, r := range m.Recs {
		out = append(out, r.UID)
	}
	return out
}

func noLog(t *testing.T, log *mailstore.Recorder) {
	t.Helper()
	for _, e := range log.Entries {
		t.Errorf("logged %s", e)
	}
}

func TestCommitAndRefresh(t *testing.T) {
	for _, mmap := range []bool{false, true} {
		w := newWorld()
		log := &mailstore.Recorder{}
		a := open(t, w.env(1, log, func(s *mailstore.Settings) { s.MmapDisable = !mmap }))
		b := open(t, w.env(2, log, func(s *mailstore.Settings) { s.MmapDisable = !mmap }))
		appendUIDs(t, a, 3)
		if err := b.Refresh(); err != nil {
			t.Fatal(err)
		}
		if got := uids(b.Map()); len(got) != 3 || got[2] != 3 {
			t.Fatalf("b sees %v", got)
		}
		s, _ := b.Begin()
		m := s.Map().Clone()
		m.Recs = m.Recs[1:] // expunge 1
		m.Recs[0].Flags = index.ToMail(mailstore.Seen)
		if err := s.Commit(m.Diff(s.Map())); err != nil {
			t.Fatal(err)
		}
		c := open(t, w.env(3, log, nil))
		if got := uids(c.Map()); len(got) != 2 || c.Map().Recs[0].Flags != 8 || c.Map().Hdr.NextUID != 4 {
			t.Fatalf("fresh open sees %+v", c.Map())
		}
		noLog(t, log)
	}
}

func TestRotationAndRewrite(t *testing.T) {
	w := newWorld()
	log := &mailstore.Recorder{}
	a := open(t, w.env(1, log, nil))
	b := open(t, w.env(2, log, nil))
	for range 1200 { // 28 bytes each: past 32 KiB
		appendUIDs(t, a, 1)
	}
	w.t = w.t.Add(6 * time.Minute)
	appendUIDs(t, a, 1)
	if _, err := w.fs.Stat("u/Maildir/dovecot.index.log.2"); err != nil {
		t.Fatalf("no .log.2 after rotation: %v", err)
	}
	if err := b.Refresh(); err != nil {
		t.Fatal(err)
	}
	if n := len(b.Map().Recs); n != 1201 {
		t.Fatalf("b sees %d records after rotation", n)
	}
	data, _ := vfs.ReadFile(w.fs, "u/Maildir/dovecot.index.log")
	h, _ := index.ParseLogHeader(data)
	if h.FileSeq != 2 || h.PrevFileSeq != 1 {
		t.Errorf("new head %+v", h)
	}
	c := open(t, w.env(3, log, nil))
	if n := len(c.Map().Recs); n != 1201 {
		t.Fatalf("fresh open sees %d records", n)
	}
	// the rotating commit moved its lock to the new head and released it
	appendUIDs(t, c, 1)
	noLog(t, log)
}

// dovecot.index is written as Dovecot decides (mail_index_sync_want_index_write):
// a lone writer leaves it alone until the log has grown 128 KiB past it;
// a process that had to read more than 8 KiB of log writes it at its next
// sync.
func TestIndexWrittenWhenTheLogOutgrowsIt(t *testing.T) {
	w := newWorld()
	log := &mailstore.Recorder{}
	exists := func() bool {
		_, err := w.fs.Stat("u/Maildir/dovecot.index")
		return err == nil
	}
	a := open(t, w.env(1, log, nil))
	appendUIDs(t, a, 10000) // about 80 KiB of log
	if exists() {
		t.Fatal("dovecot.index written below 128 KiB of log")
	}
	appendUIDs(t, a, 8000)
	if !exists() {
		t.Fatal("no dovecot.index past 128 KiB of log")
	}
	first, _ := w.fs.Stat("u/Maildir/dovecot.index")
	appendUIDs(t, a, 2000) // 16 KiB more, read by nobody
	b := open(t, w.env(2, log, nil))
	if again, _ := w.fs.Stat("u/Maildir/dovecot.index"); vfs.StatOf(again).Ino != vfs.StatOf(first).Ino {
		t.Fatal("dovecot.index rewritten before b's sync")
	}
	appendUIDs(t, b, 1) // b read 16 KiB of log past the index
	if again, _ := w.fs.Stat("u/Maildir/dovecot.index"); vfs.StatOf(again).Ino == vfs.StatOf(first).Ino {
		t.Error("b did not rewrite dovecot.index after reading 16 KiB of log")
	}
	noLog(t, log)
}

// A writer died half-way through an append; the next writer finds the
// garbage under the lock and replaces the log. With a dovecot.index the
// new log continues from its map; a process without one (small
// mailboxes have none: it is written only once 8 KiB of log were read)
// writes a reset log, so a fresh reader starts again from it with only
// what came after: what Dovecot's storages then rebuild from the mail files.
func TestGarbageAtEOFUnderLock(t *testing.T) {
	for _, tc := range []struct {
		name      string
		first     int  // UIDs appended before the garbage
		withIndex bool // whether that wrote dovecot.index
	}{{"small, no dovecot.index", 2, false}, {"dovecot.index written", 1500, true}} {
		t.Run(tc.name, func(t *testing.T) {
			w := newWorld()
			log := &mailstore.Recorder{}
			a := open(t, w.env(1, log, func(s *mailstore.Settings) { s.MmapDisable = true }))
			appendUIDs(t, a, tc.first)
			if tc.withIndex {
				// a process that had to read > 8 KiB of log writes it
				appendUIDs(t, open(t, w.env(4, log, nil)), 1)
				tc.first++
			}
			if _, err := w.fs.Stat("u/Maildir/dovecot.index"); (err == nil) != tc.withIndex {
				t.Fatalf("dovecot.index after %d appends: stat err %v", tc.first, err)
			}
			// a writer died half-way: a record header promising more than exists
			f, _ := w.fs.OpenFile("u/Maildir/dovecot.index.log", vfs.O_WRONLY|vfs.O_APPEND, 0)
			f.Write([]byte{0x84, 0x80, 0x80, 0x80, 0, 0, 8, 0, 1, 2})
			f.Close()
			b := open(t, w.env(2, log, func(s *mailstore.Settings) { s.MmapDisable = true }))
			if len(log.Entries) != 0 {
				t.Fatalf("reader complained: %v", log.Entries)
			}
			appendUIDs(t, b, 1)
			if got := log.Find("Unexpected garbage at EOF"); len(got) != 1 || len(log.Find("failed")) != 0 {
				t.Fatalf("log = %v", log.Entries)
			}
			data, _ := vfs.ReadFile(w.fs, "u/Maildir/dovecot.index.log")
			h, _ := index.ParseLogHeader(data)
			if reset := h.PrevFileSeq == 0; reset == tc.withIndex {
				t.Errorf("new log %+v: reset %v, want %v", h, reset, !tc.withIndex)
			}
			c := open(t, w.env(3, log, nil))
			// the reset log lacks the UIDVALIDITY the old one had: the
			// reader fscks, and a dbox storage would rebuild
			fscked := c.Map().Hdr.Flags&index.HdrFsckd != 0
			if found := len(log.Find(fmt.Sprintf("uidvalidity=0, but next_uid=%d", tc.first+2))) > 0; found != !tc.withIndex || fscked != !tc.withIndex {
				t.Errorf("header check logged %v, fsck flag %v; want both %v (log %v)", found, fscked, !tc.withIndex, log.Entries)
			}
			want := tc.first + 1
			if !tc.withIndex {
				want = 1 // b's append, in the reset log
			}
			if err := a.Refresh(); err != nil {
				t.Fatal(err)
			}
			// the writer's own commit met the reset it wrote
			for who, ix := range map[string]*index.Index{"a fresh reader": c, "the first writer": a, "the log's replacer": b} {
				if got := uids(ix.Map()); len(got) != want || got[len(got)-1] != mailstore.UID(tc.first+1) {
					t.Errorf("%s sees %d UIDs ending %v, want %d ending %d", who, len(got), got[max(0, len(got)-1):], want, tc.first+1)
				}
			}
		})
	}
}

// A process with no dovecot.index that replaces a broken log writes a
// reset log, and its sync's commit maps the log first: the extensions its
// changes name are introduced to the restarted map by name, as Dovecot's
// export looks them up in the map of the head. Written by the positions of
// the map the changes were made from, a reader of the reset log logged
// "Extension introduction for unknown id 1" (sdbox-source-ip-nolock seed 2).
func TestCommitAfterItsOwnResetIntroducesExtensionsByName(t *testing.T) {
	w := newWorld()
	log := &mailstore.Recorder{}
	a := open(t, w.env(1, log, nil))
	s, err := a.Begin()
	if err != nil {
		t.Fatal(err)
	}
	m := s.Map().Clone()
	m.Hdr.UIDValidity = 1
	for _, name := range []string{"first", "second"} {
		if err := m.Register(name, 4, 4, 4); err != nil {
			t.Fatal(err)
		}
	}
	m.Recs = append(m.Recs, index.Record{UID: 1})
	m.Hdr.NextUID = 2
	if err := s.Commit(m.Diff(s.Map())); err != nil {
		t.Fatal(err)
	}
	f, _ := w.fs.OpenFile("u/Maildir/dovecot.index.log", vfs.O_WRONLY|vfs.O_APPEND, 0)
	f.Write([]byte{0x84, 0x80, 0x80, 0x80, 0, 0, 8, 0, 1, 2})
	f.Close()

	b := open(t, w.env(2, log, nil)) // no dovecot.index: its replacement is a reset
	s, err = b.Begin()
	if err != nil {
		t.Fatal(err)
	}
	m = s.Map().Clone()
	if _, ok := m.ExtIndex("second"); !ok {
		t.Fatalf("b's map lacks the extension: %+v", m.Exts)
	}
	m.Recs = append(m.Recs, index.Record{UID: 2})
	m.Hdr.NextUID = 3
	if err := m.SetRecordExt(len(m.Recs)-1, "second", []byte{7, 7, 7, 7}); err != nil {
		t.Fatal(err)
	}
	if err := s.Commit(m.Diff(s.Map())); err != nil {
		t.Fatal(err)
	}
	data, _ := vfs.ReadFile(w.fs, "u/Maildir/dovecot.index.log")
	if h, _ := index.ParseLogHeader(data); h.PrevFileSeq != 0 {
		t.Fatalf("the replacement is no reset log: %+v", h)
	}
	if got := log.Find("unknown id"); len(got) != 0 {
		t.Fatalf("logged %v", got)
	}
	c := open(t, w.env(3, log, nil))
	for who, ix := range map[string]*index.Index{"a fresh reader": c, "the log's replacer": b} {
		m := ix.Map()
		i, ok := m.Find(2)
		if !ok || len(m.Recs) != 1 {
			t.Errorf("%s sees UIDs %v, want [2] (the reset log's only record)", who, uids(m))
			continue
		}
		if got := m.RecordExt(i, "second"); !bytes.Equal(got, []byte{7, 7, 7, 7}) {
			t.Errorf("%s: UID 2's field = %v", who, got)
		}
	}
	if got := log.Find("unknown id"); len(got) != 0 {
		t.Errorf("logged %v", got)
	}
}

func TestNFSIndexConfigCheck(t *testing.T) {
	w := newWorld()
	log := &mailstore.Recorder{}
	_, err := index.Open(w.env(1, log, func(s *mailstore.Settings) { s.MailNFSIndex = true }), opts)
	if err == nil || len(log.Find("mail_nfs_index=yes requires mmap_disable=yes")) != 1 {
		t.Errorf("err %v, log %v", err, log.Entries)
	}
	_, err = index.Open(w.env(1, log, func(s *mailstore.Settings) { s.MailNFSIndex, s.MmapDisable = true, true }), opts)
	if err == nil || len(log.Find("requires mail_fsync=always")) != 1 {
		t.Errorf("err %v, log %v", err, log.Entries)
	}
}

func recordUID(uid uint32) index.Record { return index.Record{UID: mailstore.UID(uid)} }

// A sync's commit is EXTERNAL and ends with the tail-offset update, so a
// reader (Dovecot's too) applies it and knows the backend has it; an
// expunge committed outside a sync without External is only a request.
func TestSyncCommitsAreExternal(t *testing.T) {
	w := newWorld()
	log := &mailstore.Recorder{}
	a := open(t, w.env(1, log, nil))
	appendUIDs(t, a, 0) // the mailbox's UIDVALIDITY
	before, err := vfs.ReadFile(w.fs, "u/Maildir/dovecot.index.log")
	if err != nil {
		t.Fatal(err)
	}
	appendUIDs(t, a, 2)
	data, err := vfs.ReadFile(w.fs, "u/Maildir/dovecot.index.log")
	if err != nil {
		t.Fatal(err)
	}
	// the append of two UIDs (24 bytes) and the tail update (16 bytes),
	// both flagged EXTERNAL (0x10000000).
	rec := data[len(before):]
	if len(rec) != 40 || rec[7]&0x10 == 0 || rec[24+7]&0x10 == 0 {
		t.Fatalf("log records % x", rec)
	}
	if tail := uint32(rec[36]) | uint32(rec[37])<<8; int(tail) != len(data) {
		t.Errorf("tail offset %d, log is %d bytes", tail, len(data))
	}
	if err := a.Commit(index.Changes{Expunges: []index.Expunge{{UID: 1}}}); err != nil {
		t.Fatal(err)
	}
	if got := uids(a.Map()); len(got) != 2 {
		t.Errorf("an expunge request was applied: %v", got)
	}
	noLog(t, log)
}

// A reset (a rebuild's mail_index_reset) must start a new log: a process
// opening afterwards, or one that was already open, sees exactly the reset
// map and does not replay the old log's appends onto it.
func TestResetStartsANewLog(t *testing.T) {
	w := newWorld()
	log := &mailstore.Recorder{}
	a := open(t, w.env(1, log, nil))
	b := open(t, w.env(2, log, nil))
	appendUIDs(t, a, 3)
	if err := b.Refresh(); err != nil {
		t.Fatal(err)
	}
	s, err := a.Begin()
	if err != nil {
		t.Fatal(err)
	}
	m := s.Map().Clone()
	m.Recs = m.Recs[:1] // the rebuild found only UID 1
	m.Hdr.NextUID = 5
	if err := s.Reset(m); err != nil {
		t.Fatal(err)
	}
	appendUIDs(t, b, 1) // UID 5 after the reset, by another process: a released the new log's lock
	c := open(t, w.env(3, log, nil))
	if err := b.Refresh(); err != nil {
		t.Fatal(err)
	}
	// the reset's records are in the new log, not only in dovecot.index
	if err := w.fs.Remove("u/Maildir/dovecot.index"); err != nil {
		t.Fatal(err)
	}
	d := open(t, w.env(4, log, nil))
	for name, ix := range map[string]*index.Index{"fresh open": c, "existing reader": b, "open without dovecot.index": d} {
		if got := uids(ix.Map()); len(got) != 2 || got[0] != 1 || got[1] != 5 || ix.Map().Hdr.NextUID != 6 {
			t.Errorf("%s sees UIDs %v, next_uid %d; want [1 5], 6", name, got, ix.Map().Hdr.NextUID)
		}
	}
	noLog(t, log)
}

// A fresh process that finds a dovecot.index older than a reset log (the
// reset's writer had none: NFS hid it) starts from the reset, as Dovecot's
// view does, without a "Lost log" and without the old records; the fsck
// that follows is written to dovecot.index at once (mail_index_fsck).
func TestOpenBehindAResetLogStartsFromIt(t *testing.T) {
	w := newWorld()
	log := &mailstore.Recorder{}
	a := open(t, w.env(1, log, nil))
	appendUIDs(t, a, 1500)
	appendUIDs(t, open(t, w.env(2, log, nil)), 1) // read > 8 KiB: writes dovecot.index
	old, err := vfs.ReadFile(w.fs, "u/Maildir/dovecot.index")
	if err != nil {
		t.Fatal(err)
	}
	if err := w.fs.Remove("u/Maildir/dovecot.index"); err != nil {
		t.Fatal(err)
	}
	b := open(t, w.env(3, log, nil)) // sees no dovecot.index
	f, _ := w.fs.OpenFile("u/Maildir/dovecot.index.log", vfs.O_WRONLY|vfs.O_APPEND, 0)
	f.Write([]byte{0x84, 0x80, 0x80, 0x80, 0, 0, 8, 0, 1, 2})
	f.Close()
	appendUIDs(t, b, 1) // replaces the log: a reset, as b has no dovecot.index
	if err := vfs.WriteFile(w.fs, "u/Maildir/dovecot.index", old, 0o600); err != nil {
		t.Fatal(err)
	}
	log.Entries = nil
	c := open(t, w.env(4, log, nil))
	if got := uids(c.Map()); len(got) != 1 || got[0] != 1502 {
		t.Errorf("fresh open sees %d UIDs %v..., want the reset log's [1502]", len(got), got[:min(3, len(got))])
	}
	if len(log.Find("Lost log")) != 0 || len(log.Find("uidvalidity=0, but next_uid=1503")) != 1 {
		t.Errorf("log %v", log.Entries)
	}
	data, err := vfs.ReadFile(w.fs, "u/Maildir/dovecot.index")
	if err != nil {
		t.Fatal(err)
	}
	if h, err := index.ParseHeader(data); err != nil || h.Flags&index.HdrFsckd == 0 || h.UIDValidity == 0 {
		t.Errorf("dovecot.index after the fsck: %+v, %v; want it written with the fsck flag", h, err)
	}
}

// staleOpensFS fails the first n opens of dovecot.index with ESTALE: the
// file another host replaced between this host's lookup and its open.
type staleOpensFS struct {
	vfs.FS
	n int
}

func (f *staleOpensFS) OpenFile(name string, flag int, perm fs.FileMode) (vfs.File, error) {
	if name == "u/Maildir/dovecot.index" && f.n > 0 {
		f.n--
		return nil, &fs.PathError{Op: "open", Path: name, Err: vfs.ErrStale}
	}
	return f.FS.OpenFile(name, flag, perm)
}

// A dovecot.index that reads ESTALE is opened again by name; one that
// keeps failing fails the open. Neither passes for a missing file, which
// would make the next log replacement a reset.
func TestStaleIndexIsReadAgain(t *testing.T) {
	w := newWorld()
	log := &mailstore.Recorder{}
	a := open(t, w.env(1, log, nil))
	appendUIDs(t, a, 1500)
	appendUIDs(t, open(t, w.env(2, log, nil)), 1) // writes dovecot.index
	for _, tc := range []struct {
		stale int
		fails bool
	}{{3, false}, {mailstore.ESTALERetryCount, true}} {
		log.Entries = nil
		env := w.env(3, log, nil)
		env.FS = &staleOpensFS{FS: w.fs, n: tc.stale}
		ix, err := index.Open(env, opts)
		if (err != nil) != tc.fails {
			t.Fatalf("%d ESTALEs: open err %v, want failure %v", tc.stale, err, tc.fails)
		}
		if tc.fails {
			if len(log.Find("open(u/Maildir/dovecot.index) failed: Stale file handle")) != 1 {
				t.Errorf("%d ESTALEs: log %v", tc.stale, log.Entries)
			}
			continue
		}
		noLog(t, log)
		// it must know the file exists: garbage it finds under the lock
		// then makes it continue the log, not reset it
		f, _ := w.fs.OpenFile("u/Maildir/dovecot.index.log", vfs.O_WRONLY|vfs.O_APPEND, 0)
		f.Write([]byte{0x84, 0x80, 0x80, 0x80, 0, 0, 8, 0, 1, 2})
		f.Close()
		appendUIDs(t, ix, 1)
		data, _ := vfs.ReadFile(w.fs, "u/Maildir/dovecot.index.log")
		if h, _ := index.ParseLogHeader(data); h.PrevFileSeq == 0 {
			t.Errorf("%d ESTALEs: the log was replaced by a reset %+v", tc.stale, h)
		}
		if got := uids(ix.Map()); len(got) != 1502 {
			t.Errorf("%d ESTALEs: sees %d UIDs", tc.stale, len(got))
		}
		ix.Close()
	}
}

// A process whose log vanished while it was open fails its refresh, as
// Dovecot 2.3 takes that for the mailbox's deletion; the next process to
// open the index creates the log again: chained to dovecot.index when
// there is one, a first log otherwise.
func TestMissingLogFailsTheRefresh(t *testing.T) {
	for _, withIndex := range []bool{false, true} {
		w := newWorld()
		log := &mailstore.Recorder{}
		a := open(t, w.env(1, log, nil))
		appendUIDs(t, a, 1500)
		if withIndex {
			a = open(t, w.env(2, log, nil)) // reads > 8 KiB of log
			appendUIDs(t, a, 1)             // and so writes dovecot.index
		}
		n := len(a.Map().Recs)
		if err := w.fs.Remove("u/Maildir/dovecot.index.log"); err != nil {
			t.Fatal(err)
		}
		if err := a.Refresh(); !errors.Is(err, index.ErrDeleted) {
			t.Errorf("with dovecot.index %v: refresh = %v, want ErrDeleted", withIndex, err)
		}
		if _, err := w.fs.Stat("u/Maildir/dovecot.index.log"); err == nil {
			t.Errorf("with dovecot.index %v: the failed refresh created a log", withIndex)
		}
		b := open(t, w.env(3, log, nil))
		data, _ := vfs.ReadFile(w.fs, "u/Maildir/dovecot.index.log")
		h, _ := index.ParseLogHeader(data)
		want, wantSeq := 0, uint32(1)
		if withIndex {
			want, wantSeq = n, 2
		}
		if h.FileSeq != wantSeq || (h.PrevFileSeq != 0) != withIndex {
			t.Errorf("with dovecot.index %v: new log %+v", withIndex, h)
		}
		if got := len(b.Map().Recs); got != want {
			t.Errorf("with dovecot.index %v: a new process sees %d records, want %d", withIndex, got, want)
		}
	}
}

// A folder deleted and created again has a log with another indexid. A
// process that still has the old one open marks the new log corrupted
// ("indexid changed", as real Dovecot logged in sdbox-director-folders)
// and fails; the next process to open the index replaces the log.
func TestIndexIDChangedMarksTheNewLog(t *testing.T) {
	w := newWorld()
	log := &mailstore.Recorder{}
	a := open(t, w.env(1, log, nil))
	appendUIDs(t, a, 2)
	for _, f := range []string{"dovecot.index.log", "dovecot.index.cache"} {
		if err := w.fs.Remove("u/Maildir/" + f); err != nil && !errors.Is(err, fs.ErrNotExist) {
			t.Fatal(err)
		}
	}
	w.t = w.t.Add(time.Second) // the new index's id is its creation time
	appendUIDs(t, open(t, w.env(2, log, nil)), 1)
	log.Entries = nil
	if err := a.Refresh(); err == nil {
		t.Error("refresh after the index was recreated succeeded")
	}
	if got := log.Find("indexid changed: 1700000000 -> 1700000001"); len(got) != 1 {
		t.Errorf("log %v", log.Entries)
	}
	data, _ := vfs.ReadFile(w.fs, "u/Maildir/dovecot.index.log")
	if h, _ := index.ParseLogHeader(data); h.IndexID != 0 {
		t.Errorf("the new log's header after the mark: %+v", h)
	}
	log.Entries = nil
	c := open(t, w.env(3, log, nil))
	if len(log.Find("marked corrupted")) == 0 {
		t.Errorf("opening a marked log: %v", log.Entries)
	}
	data, _ = vfs.ReadFile(w.fs, "u/Maildir/dovecot.index.log")
	if h, _ := index.ParseLogHeader(data); h.IndexID == 0 || c.Map().Hdr.IndexID != h.IndexID {
		t.Errorf("after a new open: log %+v, map indexid %d", h, c.Map().Hdr.IndexID)
	}
}
