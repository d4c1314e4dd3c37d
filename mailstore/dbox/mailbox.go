package dbox

import (
	"errors"
	"fmt"
	"time"

	"github.com/nfsmail/nfsmail/mailstore"
	"github.com/nfsmail/nfsmail/mailstore/index"
	"github.com/nfsmail/nfsmail/mailstore/mailboxlist"
	"github.com/nfsmail/nfsmail/vfs"
)

// MailInfo is what a message's data says about it.
type MailInfo struct {
	ID   string // Message-ID
	Size int64  // body bytes
}

// InboxDir is the directory of user's INBOX mail and, by default, index.
func InboxDir(user string) string { return MailboxDir(user, mailstore.Inbox) }

// MailboxDir is the directory of user's mailbox name: its mail and, by
// default, its index.
func MailboxDir(user, name string) string { return user + "/mailboxes/" + name + "/dbox-Mails" }

// MkInbox is the common start of opening a dbox INBOX: it checks env and
// creates InboxDir(user). engine ("sdbox", "mdbox") prefixes the errors.
func MkInbox(env mailstore.Env, engine, user string) (string, error) {
	return MkMailbox(env, engine, user, mailstore.Inbox)
}

// MkMailbox creates MailboxDir(user, name) when missing (autocreate).
func MkMailbox(env mailstore.Env, engine, user, name string) (string, error) {
	if env.FS == nil || env.Clock == nil {
		return "", errors.New(engine + ": open: Env needs FS and Clock")
	}
	dir := MailboxDir(user, name)
	if _, err := env.FS.Stat(dir); err == nil {
		return dir, nil
	}
	// missing: autocreated under mailboxes.lock (mailbox_create)
	err := mailboxlist.Autocreate(env, engine, user, func() error {
		if err := vfs.MkdirAll(env.FS, dir, 0o700); err != nil {
			env.Logf(mailstore.Critical, "mkdir(%s) failed: %s", dir, mailstore.Strerror(err))
			return err
		}
		return nil
	})
	if err != nil {
		return "", fmt.Errorf("%s: open %s: %w", engine, user, err)
	}
	return dir, nil
}

// MailboxIndex is the mailbox index's options: dovecot.index in dir,
// appends and expunges fdatasync'd (the dbox fsync mask).
func MailboxIndex(dir string) index.Options {
	return index.Options{Dir: dir, Prefix: "dovecot.index", FsyncMask: index.TxAppend | index.TxExpungeGUID}
}

// Store replaces uid's flags and keywords in the mailbox index ix (dbox
// keeps them nowhere else); mailstore.ErrExpunged when uid is gone. It
// reports whether a transaction was written: a STORE of the flags the
// message has writes none (Dovecot's AVOID_FLAG_UPDATES).
func Store(ix *index.Index, uid mailstore.UID, flags mailstore.Flags, keywords []string) (bool, error) {
	return Change(ix, uid, func(m *index.Map, i int) error {
		m.Recs[i].Flags = index.ToMail(flags)
		return m.SetRecordKeywords(i, keywords)
	})
}

// Change applies fn to uid's record (m.Recs[i]) under ix's sync lock and
// commits; mailstore.ErrExpunged when uid is gone. It reports whether the
// commit wrote a transaction (fn changed something).
func Change(ix *index.Index, uid mailstore.UID, fn func(m *index.Map, i int) error) (bool, error) {
	s, err := ix.Begin()
	if err != nil {
		return false, err
	}
	m := s.Map().Clone()
	i, ok := m.Find(uid)
	if !ok {
		s.Rollback()
		return false, mailstore.ErrExpunged
	}
	if err := fn(m, i); err != nil {
		s.Rollback()
		return false, err
	}
	c := m.Diff(s.Map())
	if err := s.Commit(c); err != nil {
		return false, err
	}
	return !c.Empty(), nil
}

// TempPath names a new file in dir ".temp.<sec>.P<pid>Q<seq>M<usec>.<host>"
// as dbox_temp_file_create does.
func TempPath(env mailstore.Env, dir string, now time.Time, seq int) string {
	return fmt.Sprintf("%s/.temp.%d.P%dQ%dM%d.%s", dir, now.Unix(), env.PID, seq,
		now.Nanosecond()/1000, env.Hostname)
}

// NewGUID returns a 128-bit GUID in hex: two words of env.Rand, or the
// clock's nanoseconds and fallback when env.Rand is nil.
func NewGUID(env mailstore.Env, fallback uint64) string {
	a, b := uint64(env.Clock.Now().UnixNano()), fallback
	if env.Rand != nil {
		a, b = env.Rand.Uint64(), env.Rand.Uint64()
	}
	return fmt.Sprintf("%016x%016x", a, b)
}

// FsyncDir fdatasyncs dir after a save, logging Dovecot's text on failure.
// Over NFS this is a COMMIT of the directory's pending changes.
func FsyncDir(env mailstore.Env, dir string) {
	f, err := env.FS.OpenFile(dir, vfs.O_RDONLY, 0)
	if err == nil {
		err = f.Sync()
		f.Close()
	}
	if err != nil {
		env.Logf(mailstore.Critical, "fdatasync_path(%s) failed: %s", dir, mailstore.Strerror(err))
	}
}

// UpdateStatus puts the mailbox's UIDVALIDITY and GUID into its list index
// record (index_list_update_mailbox) from its index map m, whose header
// extension hdrExt carries the mailbox GUID at bytes 4..20 in both dbox
// formats (sdbox's dbox-hdr, mdbox's mdbox-hdr).
func UpdateStatus(st *mailboxlist.Status, m *index.Map, hdrExt string) {
	var guid [16]byte
	if h, ok := m.ExtHeader(hdrExt); ok && len(h) >= 20 {
		copy(guid[:], h[4:20])
	}
	st.Update(m.Hdr.UIDValidity, guid)
}
