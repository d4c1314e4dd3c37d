package sdbox_test

import (
	"slices"
	"testing"
	"time"

	"pgregory.net/rapid"

	"github.com/nfsmail/nfsmail/mailstore"
	"github.com/nfsmail/nfsmail/mailstore/mailboxlist"
	"github.com/nfsmail/nfsmail/mailstore/mailtest"
	"github.com/nfsmail/nfsmail/mailstore/sdbox"
	"github.com/nfsmail/nfsmail/vfs"
)

type machine struct {
	w     *mailtest.World
	env   mailstore.Env
	log   *mailstore.Recorder
	mb    *sdbox.Mailbox
	ar    *sdbox.Mailbox // the same session's Archive
	pid   int
	next  int
	live  map[string]mailtest.FlagSet
	moved map[string]mailtest.FlagSet // in Archive
	uidOf map[string]mailstore.UID
	known []mailstore.UID
}

func (m *machine) open(t *rapid.T) {
	m.pid++
	m.env.PID = m.pid
	mb, err := sdbox.New(m.env, "alice")
	if err != nil {
		t.Fatal(err)
	}
	ar, err := sdbox.NewMailbox(m.env, "alice", "Archive")
	if err != nil {
		t.Fatal(err)
	}
	m.mb, m.ar = mb, ar
}

// Move is IMAP MOVE to Archive.
func (m *machine) Move(t *rapid.T) {
	uid, id := m.pick(t)
	f := m.live[id]
	if _, err := mailstore.Move(m.mb, m.ar, mailstore.Mail{UID: uid, MessageID: id, Flags: f.Flags, Keywords: f.Keywords}); err != nil {
		t.Fatal(err)
	}
	delete(m.live, id)
	m.moved[id] = f
}

func (m *machine) Deliver(t *rapid.T) {
	m.next++
	msg := mailtest.Message(m.next)
	uid, err := m.mb.Deliver(msg)
	if err != nil || uid == 0 {
		t.Fatalf("Deliver = %d, %v", uid, err)
	}
	for id, u := range m.uidOf {
		if u == uid {
			t.Fatalf("UID %d reused (was %s)", uid, id)
		}
	}
	m.live[msg.ID], m.uidOf[msg.ID] = mailtest.FlagSet{}, uid
	m.known = append(m.known, uid)
}

func (m *machine) pick(t *rapid.T) (mailstore.UID, string) {
	var uids []mailstore.UID
	for id := range m.live {
		uids = append(uids, m.uidOf[id])
	}
	if len(uids) == 0 {
		t.Skip("empty")
	}
	slices.Sort(uids)
	uid := rapid.SampledFrom(uids).Draw(t, "uid")
	for id, u := range m.uidOf {
		if u == uid {
			return uid, id
		}
	}
	panic("unreachable")
}

func (m *machine) Store(t *rapid.T) {
	uid, id := m.pick(t)
	f := mailtest.DrawFlagSet(t)
	if err := m.mb.Store(uid, f.Flags, f.Keywords); err != nil {
		t.Fatal(err)
	}
	m.live[id] = f
}

func (m *machine) Expunge(t *rapid.T) {
	uid, id := m.pick(t)
	if err := m.mb.Expunge(uid); err != nil {
		t.Fatal(err)
	}
	delete(m.live, id)
}

func (m *machine) NewSession(t *rapid.T) { m.open(t) }

func (m *machine) Tick(t *rapid.T) {
	m.w.T = m.w.T.Add(time.Duration(rapid.IntRange(0, 400).Draw(t, "s")) * time.Second)
}

func (m *machine) Check(t *rapid.T) {
	for _, e := range m.log.Entries {
		t.Fatalf("logged %s", e)
	}
	env := m.env
	env.PID = 1
	fresh, err := sdbox.New(env, "alice")
	if err != nil {
		t.Fatal(err)
	}
	defer fresh.Close()
	mails, err := fresh.Sync()
	if err != nil {
		t.Fatal(err)
	}
	if len(mails) != len(m.live) {
		t.Fatalf("checker sees %d mails, want %d", len(mails), len(m.live))
	}
	for _, ml := range mails {
		f, ok := m.live[ml.MessageID]
		if !ok || !f.Equal(ml) || m.uidOf[ml.MessageID] != ml.UID {
			t.Fatalf("checker: %+v (want %+v uid %d)", ml, f, m.uidOf[ml.MessageID])
		}
	}
	ents, _ := m.w.FS.ReadDir("alice/mailboxes/INBOX/dbox-Mails")
	files := 0
	for _, e := range ents {
		if e.Name()[0] == 'u' {
			files++
		}
	}
	if files != len(m.live) {
		t.Fatalf("%d u.* files for %d mails", files, len(m.live))
	}
	if p := sdbox.Fsck(m.w.FS, "alice"); len(p) != 0 {
		t.Fatalf("fsck: %q", p)
	}
	ar, err := sdbox.NewMailbox(env, "alice", "Archive")
	if err != nil {
		t.Fatal(err)
	}
	defer ar.Close()
	mailtest.CheckMailbox(t, "checker's Archive", ar, m.moved)
}

func TestRapidSingleHost(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		w := mailtest.NewWorld()
		h := w.Host("mx1", 100, 0)
		m := &machine{w: w, env: h.Env, log: h.Log, pid: 100, live: map[string]mailtest.FlagSet{}, moved: map[string]mailtest.FlagSet{}, uidOf: map[string]mailstore.UID{}}
		s := &m.env.Settings
		s.MailFsync = rapid.SampledFrom([]mailstore.FsyncMode{mailstore.FsyncOptimized, mailstore.FsyncAlways, mailstore.FsyncNever}).Draw(t, "fsync")
		s.MmapDisable = rapid.Bool().Draw(t, "mmap_disable")
		s.LockMethod = rapid.SampledFrom([]mailstore.LockMethod{mailstore.LockFcntl, mailstore.LockFlock, mailstore.LockDotlock}).Draw(t, "lock_method")
		m.open(t)
		t.Repeat(rapid.StateMachineActions(m))
	})
}

func TestFileFormat(t *testing.T) {
	w := mailtest.NewWorld()
	h := w.Host("mx1", 7, 0)
	log := h.Log
	mb, err := sdbox.New(h.Env, "alice")
	if err != nil {
		t.Fatal(err)
	}
	if uid, err := mb.Deliver(mailtest.Message(1)); err != nil || uid != 1 {
		t.Fatalf("Deliver = %d, %v", uid, err)
	}
	data, err := vfs.ReadFile(w.FS, "alice/mailboxes/INBOX/dbox-Mails/u.1")
	if err != nil {
		t.Fatal(err)
	}
	want := "2 M1e C6553f100\n\x01\x02N          000000000000001e\nMessage-ID: <m1@test>\n\nbody 1\n\n\x01\x03\n"
	if got := string(data[:len(want)]); got != want {
		t.Errorf("u.1 starts %q\nwant        %q", got, want)
	}
	if _, err := w.FS.Stat("alice/mailboxes/INBOX/dbox-Mails/dovecot.index.log"); err != nil {
		t.Errorf("no index log beside the mails: %v", err)
	}
	mails, _ := mb.Sync()
	if len(mails) != 1 || mails[0].MessageID != "<m1@test>" {
		t.Errorf("Sync = %+v", mails)
	}
	if len(log.Entries) != 0 {
		t.Errorf("log %v", log.Entries)
	}
}

func TestResyncEndsSessions(t *testing.T) {
	mailtest.CheckResyncEndsSessions(t, func(env mailstore.Env) (mailtest.Resyncer, error) { return sdbox.New(env, "u") })
}

func TestChangesRefreshTheList(t *testing.T) {
	mailtest.CheckChangesRefreshTheList(t, func(env mailstore.Env) (mailstore.Mailbox, error) { return sdbox.New(env, "u") })
}

func TestCreateWritesTheHeader(t *testing.T) {
	mailtest.CheckCreateWritesTheHeader(t, func(env mailstore.Env) error {
		l, err := mailboxlist.Open(env, "sdbox", "u")
		if err != nil {
			return err
		}
		defer l.Close()
		return l.Create("Work")
	}, "u/mailboxes/Work/dbox-Mails", "dbox-hdr",
		func(env mailstore.Env) (mailstore.Mailbox, error) { return sdbox.NewMailbox(env, "u", "Work") })
}
