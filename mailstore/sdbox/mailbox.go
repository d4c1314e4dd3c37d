package sdbox

import (
	"errors"
	"fmt"
	"io/fs"

	"github.com/nfsmail/nfsmail/mailstore"
	"github.com/nfsmail/nfsmail/mailstore/dbox"
	"github.com/nfsmail/nfsmail/mailstore/index"
	"github.com/nfsmail/nfsmail/mailstore/mailboxlist"
	"github.com/nfsmail/nfsmail/vfs"
)

// Mailbox is one user's sdbox INBOX as one process sees it.
type Mailbox struct {
	env       mailstore.Env
	user      string // the mail root, where dovecot-uidvalidity lives
	dir       string // <user>/mailboxes/INBOX/dbox-Mails
	index     *index.Index
	view      *index.View              // the IMAP session's, from its last Sync (SELECT)
	memIndex  bool                     // INDEX=MEMORY: no dovecot.index.cache either
	corrupted bool                     // sdbox_set_mailbox_corrupted: rebuild at next sync
	info      map[uint32]dbox.MailInfo // what each u.<uid> file says
	tempSeq   int
	guidSeq   uint64
	status    *mailboxlist.Status // the list index record of this mailbox
}

var _ mailstore.Mailbox = (*Mailbox)(nil)

// Open is a mailstore.Opener for sdbox.
func Open(env mailstore.Env, user string) (mailstore.Mailbox, error) {
	return New(env, user)
}

// New opens user's INBOX, creating the directories and index when
// missing. INDEX=MEMORY keeps the index in this process only: every open
// rebuilds it from the files.
func New(env mailstore.Env, user string) (*Mailbox, error) {
	return NewMailbox(env, user, mailstore.Inbox)
}

// OpenMailbox is a mailstore.MailboxOpener for sdbox.
func OpenMailbox(env mailstore.Env, user, name string) (mailstore.Mailbox, error) {
	return NewMailbox(env, user, name)
}

// NewMailbox opens user's mailbox name ("<user>/mailboxes/<name>"),
// creating it when missing.
func NewMailbox(env mailstore.Env, user, name string) (*Mailbox, error) {
	dir, err := dbox.MkMailbox(env, "sdbox", user, name)
	if err != nil {
		return nil, err
	}
	mb := &Mailbox{env: env, user: user, dir: dir, info: map[uint32]dbox.MailInfo{},
		status: mailboxlist.NewStatus(env, "sdbox", user, name)}
	opts := dbox.MailboxIndex(dir)
	switch root, ok := env.Settings.IndexRoot(user, user); {
	case !ok: // INDEX=MEMORY: a file no other process opens stands in for memory
		opts.Dir, opts.Prefix = user+"/.memory-index", fmt.Sprintf("dovecot.index.%s.%d", env.Hostname, env.PID)
		if name != mailstore.Inbox {
			opts.Prefix += "." + name
		}
		env.Settings.IndexMemory = false
		mb.corrupted, mb.memIndex = true, true
	case env.Settings.IndexDir != "":
		opts.Dir = root + "/mailboxes/" + name
	}
	ix, err := index.Open(env, opts)
	if err != nil {
		return nil, fmt.Errorf("sdbox: open %s: %w", user, err)
	}
	mb.index = ix
	return mb, nil
}

// Close releases the index.
func (mb *Mailbox) Close() error {
	mb.index.Close()
	mb.status.Close()
	return nil
}

// UseList makes the mailbox keep its list index record through l, its
// process's list (mailboxlist.ListUser).
func (mb *Mailbox) UseList(l *mailboxlist.List) { mb.status.Use(l) }

// updateStatus puts the mailbox's UIDVALIDITY and GUID into the list
// index after a sync and after each committed save, STORE or EXPUNGE
// (index_list_update_mailbox, which index_list_transaction_commit runs).
func (mb *Mailbox) updateStatus() { dbox.UpdateStatus(mb.status, mb.index.Map(), hdrExtName) }

func (mb *Mailbox) critical(format string, args ...any) {
	mb.env.Logf(mailstore.Critical, format, args...)
}

func (mb *Mailbox) path(uid uint32) string { return fmt.Sprintf("%s/u.%d", mb.dir, uid) }

// Sync refreshes the index (rebuilding it first when the mailbox was
// marked corrupted) and returns its messages, reading each file once.
func (mb *Mailbox) Sync() ([]mailstore.Mail, error) {
	if err := mb.index.Refresh(); err != nil {
		return nil, fmt.Errorf("sdbox: sync: %w", err)
	}
	if mb.index.Map().Hdr.UIDValidity == 0 || mb.corrupted || fscked(mb.index.Map()) {
		if err := mb.rebuild(); err != nil {
			return nil, fmt.Errorf("sdbox: sync: %w", err)
		}
	}
	var out []mailstore.Mail
	var missing []mailstore.UID
	m := mb.index.Map()
	kw := m.KeywordsByRecord()
	for i, r := range m.Recs {
		uid := uint32(r.UID)
		info, err := mb.read(uid)
		if errors.Is(err, errLost) {
			missing = append(missing, r.UID)
			continue
		}
		out = append(out, mailstore.Mail{UID: r.UID, Flags: index.FromMail(r.Flags),
			Keywords:  kw[i],
			MessageID: info.ID, Size: info.Size, Key: fmt.Sprintf("u.%d", uid)})
	}
	mb.lost(missing...)
	if !mb.memIndex {
		_ = mb.index.CacheMessageIDs(out) // the cache is advisory: failures are logged, not returned
	}
	mb.view = mb.index.NewView() // a SELECT fixes an inconsistent view
	mb.updateStatus()
	return out, nil
}

// lost reacts to u.* files that were missing when read, as
// sdbox_mail_set_expunged does: the index is refreshed, and a message it
// still lists was lost (logged, the mailbox marked corrupted); one it no
// longer lists was expunged meanwhile by another session.
func (mb *Mailbox) lost(uids ...mailstore.UID) {
	if len(uids) == 0 || mb.index.Refresh() != nil {
		return
	}
	for _, uid := range uids {
		if _, ok := mb.index.Map().Find(uid); ok {
			mb.critical("UID=%d: dbox: Unexpectedly lost uid", uid)
			mb.corrupted = true
		}
	}
}

// ForceResync is `doveadm force-resync`: rebuild the index from the
// u.* files now, under the index lock (sdbox_sync with FORCE_REBUILD).
func (mb *Mailbox) ForceResync() error {
	mb.corrupted = true
	if err := mb.rebuild(); err != nil {
		return fmt.Errorf("sdbox: force-resync: %w", err)
	}
	return nil
}

// Body reads uid's u.<uid> file and returns the message in it. A missing
// file is an expunge when the refreshed index agrees, else the mailbox is
// marked corrupted (dbox_mail_set_expunged: "Unexpectedly lost").
func (mb *Mailbox) Body(uid mailstore.UID) ([]byte, error) {
	if _, ok := mb.index.Map().Find(uid); !ok {
		return nil, mailstore.ErrExpunged
	}
	data, err := vfs.ReadFile(mb.env.FS, mb.path(uint32(uid)))
	if errors.Is(err, fs.ErrNotExist) {
		mb.lost(uid)
		return nil, mailstore.ErrExpunged
	}
	if err != nil {
		mb.critical("open(%s) failed: %s", mb.path(uint32(uid)), mailstore.Strerror(err))
		return nil, fmt.Errorf("sdbox: fetch uid %d: %w", uid, err)
	}
	body, err := decodeFile(data)
	if err != nil {
		return nil, fmt.Errorf("sdbox: fetch uid %d: %w", uid, err)
	}
	return body, nil
}

// read returns what u.<uid> says; errLost when the file is missing (the
// caller passes it to lost).
func (mb *Mailbox) read(uid uint32) (dbox.MailInfo, error) {
	if info, ok := mb.info[uid]; ok {
		return info, nil
	}
	path := mb.path(uid)
	data, err := vfs.ReadFile(mb.env.FS, path)
	if errors.Is(err, fs.ErrNotExist) {
		return dbox.MailInfo{}, errLost
	}
	if err != nil {
		mb.critical("open(%s) failed: %s", path, mailstore.Strerror(err))
		return dbox.MailInfo{}, err
	}
	body, err := decodeFile(data)
	var ce *dbox.CorruptError
	if errors.As(err, &ce) {
		mb.critical("Corrupted dbox file %s (around offset=%d): %s", path, ce.Offset, ce.Reason)
		mb.corrupted = true
	}
	info := dbox.MailInfo{ID: dbox.MessageID(body), Size: int64(len(body))}
	mb.info[uid] = info
	return info, nil
}

// Store replaces uid's flags and keywords in the index (dbox keeps them
// nowhere else).
func (mb *Mailbox) Store(uid mailstore.UID, flags mailstore.Flags, keywords []string) error {
	changed, err := dbox.Store(mb.index, uid, flags, keywords)
	if err := mb.view.End(err); err != nil {
		return fmt.Errorf("sdbox: store uid %d: %w", uid, err)
	}
	if changed {
		mb.updateStatus()
	}
	return nil
}

// Expunge commits the expunge to the index, then unlinks u.<uid>.
func (mb *Mailbox) Expunge(uid mailstore.UID) error {
	_, err := dbox.Change(mb.index, uid, func(m *index.Map, i int) error {
		m.Recs = append(m.Recs[:i], m.Recs[i+1:]...)
		return nil
	})
	if err != nil {
		return fmt.Errorf("sdbox: expunge uid %d: %w", uid, mb.view.End(err))
	}
	path := mb.path(uint32(uid))
	if err := mb.env.FS.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		mb.critical("unlink(%s) failed: %s", path, mailstore.Strerror(err))
	}
	delete(mb.info, uint32(uid))
	if err := mb.view.End(nil); err != nil {
		return fmt.Errorf("sdbox: expunge uid %d: %w", uid, err)
	}
	mb.updateStatus()
	return nil
}
