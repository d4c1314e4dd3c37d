package maildir_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"pgregory.net/rapid"

	"github.com/nfsmail/nfsmail/mailstore"
	"github.com/nfsmail/nfsmail/mailstore/maildir"
	"github.com/nfsmail/nfsmail/mailstore/mailtest"
)

// machine drives one host: an IMAP session that delivers, syncs, stores
// and expunges, sometimes replaced by a new session; a fresh checker
// session audits the store after every action.
type machine struct {
	w       *mailtest.World
	h       *host
	mb      *maildir.Mailbox
	ar      *maildir.Mailbox // the session's Archive
	pid     int
	next    int                         // next message number
	live    map[string]mailtest.FlagSet // Message-ID -> flags expected
	moved   map[string]mailtest.FlagSet // the same, in Archive
	uidOf   map[string]mailstore.UID    // Message-ID -> UID once known
	idOf    map[mailstore.UID]string    // UID -> Message-ID, forever
	session map[mailstore.UID]bool      // UIDs the current session knows
}

func newMachine(t *rapid.T) *machine {
	w := mailtest.NewWorld()
	m := &machine{
		w: w, pid: 1000,
		live: map[string]mailtest.FlagSet{}, moved: map[string]mailtest.FlagSet{}, uidOf: map[string]mailstore.UID{},
		idOf: map[mailstore.UID]string{}, session: map[mailstore.UID]bool{},
	}
	m.h = newHost(w, "mx1", m.pid, 0)
	m.h.Env.Settings.MailFsync = rapid.SampledFrom([]mailstore.FsyncMode{
		mailstore.FsyncOptimized, mailstore.FsyncAlways, mailstore.FsyncNever}).Draw(t, "mail_fsync")
	m.h.Env.Settings.DotlockUseExcl = rapid.Bool().Draw(t, "dotlock_use_excl")
	m.h.Env.Settings.IndexMemory = rapid.Bool().Draw(t, "index_memory")
	m.h.Env.Settings.MmapDisable = rapid.Bool().Draw(t, "mmap_disable")
	m.h.Env.Settings.LockMethod = rapid.SampledFrom([]mailstore.LockMethod{
		mailstore.LockFcntl, mailstore.LockFlock, mailstore.LockDotlock}).Draw(t, "lock_method")
	m.mb, m.ar = m.h.open(t), m.h.openMailbox(t, "Archive")
	return m
}

// Move is IMAP MOVE to Archive (COPY + EXPUNGE).
func (m *machine) Move(t *rapid.T) {
	uid, ok := m.pick(t)
	if !ok {
		t.Skip("no message")
	}
	m.tick(t)
	id := m.idOf[uid]
	f := m.live[id]
	if _, err := mailstore.Move(m.mb, m.ar, mailstore.Mail{UID: uid, MessageID: id, Flags: f.Flags, Keywords: f.Keywords}); err != nil {
		t.Fatalf("Move(%d): %v", uid, err)
	}
	delete(m.live, id)
	delete(m.session, uid)
	m.moved[id] = f
}

func (m *machine) tick(t *rapid.T) {
	m.w.Advance(time.Duration(rapid.IntRange(0, 2500).Draw(t, "ms")) * time.Millisecond)
}

func (m *machine) Deliver(t *rapid.T) {
	m.tick(t)
	m.next++
	msg := message(m.next)
	uid, err := m.mb.Deliver(msg)
	if err != nil {
		t.Fatalf("Deliver: %v", err)
	}
	if uid == 0 {
		t.Fatalf("Deliver assigned no UID with a free lock")
	}
	m.live[msg.ID] = mailtest.FlagSet{}
	m.learn(t, uid, msg.ID)
	m.session[uid] = true
}

func (m *machine) Sync(t *rapid.T) {
	m.tick(t)
	mails, err := m.mb.Sync()
	if err != nil {
		t.Fatalf("Sync: %v", err)
	}
	m.check(t, "session", mails)
	clear(m.session)
	for _, ml := range mails {
		m.session[ml.UID] = true
	}
}

func (m *machine) Store(t *rapid.T) {
	uid, ok := m.pick(t)
	if !ok {
		t.Skip("no message")
	}
	m.tick(t)
	f := mailtest.DrawFlagSet(t)
	if err := m.mb.Store(uid, f.Flags, f.Keywords); err != nil {
		t.Fatalf("Store(%d, %+v): %v", uid, f, err)
	}
	m.live[m.idOf[uid]] = f
}

func (m *machine) Expunge(t *rapid.T) {
	uid, ok := m.pick(t)
	if !ok {
		t.Skip("no message")
	}
	m.tick(t)
	if err := m.mb.Expunge(uid); err != nil {
		t.Fatalf("Expunge(%d): %v", uid, err)
	}
	delete(m.live, m.idOf[uid])
	delete(m.session, uid)
}

// NewSession replaces the IMAP session by a new process on the same host.
func (m *machine) NewSession(t *rapid.T) {
	m.pid++
	m.h.Env.PID = m.pid
	m.mb, m.ar = m.h.open(t), m.h.openMailbox(t, "Archive")
	clear(m.session)
}

// pick draws a UID that is live and known to the current session.
func (m *machine) pick(t *rapid.T) (mailstore.UID, bool) {
	var uids []mailstore.UID
	for uid := range m.session {
		if _, ok := m.live[m.idOf[uid]]; ok {
			uids = append(uids, uid)
		}
	}
	if len(uids) == 0 {
		return 0, false
	}
	slices.Sort(uids)
	return rapid.SampledFrom(uids).Draw(t, "uid"), true
}

func (m *machine) learn(t *rapid.T, uid mailstore.UID, id string) {
	if old, ok := m.uidOf[id]; ok && old != uid {
		t.Fatalf("%s changed UID %d -> %d", id, old, uid)
	}
	if old, ok := m.idOf[uid]; ok && old != id {
		t.Fatalf("UID %d reused: %s then %s", uid, old, id)
	}
	m.uidOf[id], m.idOf[uid] = uid, id
}

// Audit syncs through a fresh session of another process, as the
// checker's cache-less host does.
func (m *machine) Audit(t *rapid.T) {
	h := newHost(m.w, "checker", 1, 0)
	h.Env.Settings, h.Env.Log, h.Log = m.h.Env.Settings, m.h.Log, m.h.Log
	mails, err := h.open(t).Sync()
	if err != nil {
		t.Fatalf("checker Sync: %v", err)
	}
	m.check(t, "checker", mails)
	mailtest.CheckMailbox(t, "checker's Archive", h.openMailbox(t, "Archive"), m.moved)
}

// Check audits the store read-only: every live message is one file with
// the stored flags, every message with a UID is in dovecot-uidlist under
// that UID, records are ordered below next_uid, and nothing was logged.
func (m *machine) Check(t *rapid.T) {
	for _, e := range m.h.Log.Entries {
		t.Fatalf("logged %s", e)
	}
	files := m.diskFiles(t)
	recs, next := readUidlist(t, m.w)
	letters := readKeywords(t, m.w)
	for id, want := range m.live {
		name, ok := files[id]
		if !ok {
			t.Fatalf("disk: %s has no file", id)
		}
		if got := flagsOfName(name); got != want.Flags {
			t.Fatalf("disk: %s is %s, want flags %v", id, name, want.Flags)
		}
		if got := keywordsOfName(name, letters); !slices.Equal(got, want.Keywords) {
			t.Fatalf("disk: %s is %s (%q by dovecot-keywords %v), want keywords %q", id, name, got, letters, want.Keywords)
		}
		uid, known := m.uidOf[id]
		if rec, ok := recs[baseOf(name)]; known && (!ok || rec != uid) {
			t.Fatalf("disk: %s (UID %d) has uidlist record %d (present=%v)", name, uid, rec, ok)
		}
		if known && uid >= next {
			t.Fatalf("disk: UID %d not below next_uid %d", uid, next)
		}
	}
	for id := range files {
		if _, ok := m.live[id]; !ok {
			t.Fatalf("disk: %s should not exist", id)
		}
	}
	for _, p := range maildir.Fsck(m.w.FS, "alice") {
		// deliveries not yet synced and expunges not yet rewritten out of
		// the uidlist are lags, not damage; the checks above cover them
		if !strings.Contains(p, "not in dovecot-uidlist") && !strings.Contains(p, "has no file") {
			t.Fatalf("fsck: %s", p)
		}
	}
}

func (m *machine) check(t *rapid.T, who string, mails []mailstore.Mail) {
	seen := map[string]bool{}
	for i, ml := range mails {
		if i > 0 && ml.UID <= mails[i-1].UID {
			t.Fatalf("%s: UIDs not increasing: %d after %d", who, ml.UID, mails[i-1].UID)
		}
		if seen[ml.MessageID] {
			t.Fatalf("%s: %s appears twice", who, ml.MessageID)
		}
		seen[ml.MessageID] = true
		want, ok := m.live[ml.MessageID]
		if !ok {
			t.Fatalf("%s: %+v is not a live message", who, ml)
		}
		if !want.Equal(ml) {
			t.Fatalf("%s: %s flags %v %q, want %+v", who, ml.MessageID, ml.Flags, ml.Keywords, want)
		}
		m.learn(t, ml.UID, ml.MessageID)
	}
	for id := range m.live {
		if !seen[id] {
			t.Fatalf("%s: %s is missing", who, id)
		}
	}
}

func TestRapidSingleHost(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		t.Repeat(rapid.StateMachineActions(newMachine(t)))
	})
}
