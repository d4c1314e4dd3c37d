package mdbox_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"pgregory.net/rapid"

	"github.com/nfsmail/nfsmail/mailstore"
	"github.com/nfsmail/nfsmail/mailstore/mailboxlist"
	"github.com/nfsmail/nfsmail/mailstore/mailtest"
	"github.com/nfsmail/nfsmail/mailstore/mdbox"
)

type machine struct {
	w     *mailtest.World
	env   mailstore.Env
	log   *mailstore.Recorder
	mb    *mdbox.Mailbox
	ar    *mdbox.Mailbox // the session's Archive, sharing the storage
	pid   int
	next  int
	live  map[string]mailtest.FlagSet
	moved map[string]mailtest.FlagSet // in Archive
	uidOf map[string]mailstore.UID
}

func (m *machine) open(t *rapid.T) {
	m.pid++
	m.env.PID = m.pid
	mb, err := mdbox.New(m.env, "alice")
	if err != nil {
		t.Fatal(err)
	}
	ar, err := mdbox.NewMailbox(m.env, "alice", "Archive")
	if err != nil {
		t.Fatal(err)
	}
	m.mb, m.ar = mb, ar
}

// Move is IMAP MOVE to Archive: a second reference to the map record,
// then the expunge drops the first.
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

func (m *machine) Purge(t *rapid.T) {
	if err := m.mb.Purge(); err != nil {
		t.Fatal(err)
	}
}

func (m *machine) AltMove(t *rapid.T) {
	if err := m.mb.AltMove(); err != nil {
		t.Fatal(err)
	}
}

func (m *machine) NewSession(t *rapid.T) { m.open(t) }

func (m *machine) Tick(t *rapid.T) {
	m.w.T = m.w.T.Add(time.Duration(rapid.IntRange(0, 4000).Draw(t, "s")) * time.Second)
}

func (m *machine) Check(t *rapid.T) {
	for _, e := range m.log.Entries {
		t.Fatalf("logged %s", e)
	}
	env := m.env
	env.PID = 1
	fresh, err := mdbox.New(env, "alice")
	if err != nil {
		t.Fatal(err)
	}
	defer fresh.Close()
	mails, err := fresh.Sync()
	if err != nil {
		t.Fatal(err)
	}
	if len(mails) != len(m.live) {
		t.Fatalf("checker sees %d mails, want %d: %+v", len(mails), len(m.live), mails)
	}
	for _, ml := range mails {
		f, ok := m.live[ml.MessageID]
		if !ok || !f.Equal(ml) || m.uidOf[ml.MessageID] != ml.UID {
			t.Fatalf("checker: %+v (want %+v uid %d)", ml, f, m.uidOf[ml.MessageID])
		}
	}
	if p := mdbox.Fsck(m.w.FS, "alice"); len(p) != 0 {
		t.Fatalf("fsck: %s", strings.Join(p, "\n"))
	}
	ar, err := mdbox.NewMailbox(env, "alice", "Archive")
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
		s.MdboxRotateSize = int64(rapid.SampledFrom([]int{150, 400, 10 << 20}).Draw(t, "rotate_size"))
		if rapid.Bool().Draw(t, "alt") {
			s.AltDir = "alt/%u"
		}
		if rapid.Bool().Draw(t, "rotate_interval") {
			s.MdboxRotateInterval = time.Hour
		}
		m.open(t)
		t.Repeat(rapid.StateMachineActions(m))
	})
}

func TestResyncEndsSessions(t *testing.T) {
	mailtest.CheckResyncEndsSessions(t, func(env mailstore.Env) (mailtest.Resyncer, error) { return mdbox.New(env, "u") })
}

func TestChangesRefreshTheList(t *testing.T) {
	mailtest.CheckChangesRefreshTheList(t, func(env mailstore.Env) (mailstore.Mailbox, error) { return mdbox.New(env, "u") })
}

func TestCreateWritesTheHeader(t *testing.T) {
	mailtest.CheckCreateWritesTheHeader(t, func(env mailstore.Env) error {
		l, err := mailboxlist.Open(env, "mdbox", "u")
		if err != nil {
			return err
		}
		defer l.Close()
		return l.Create("Work")
	}, "u/mailboxes/Work/dbox-Mails", "mdbox-hdr",
		func(env mailstore.Env) (mailstore.Mailbox, error) { return mdbox.NewMailbox(env, "u", "Work") })
}
