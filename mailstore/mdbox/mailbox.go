package mdbox

import (
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"strconv"

	"github.com/nfsmail/nfsmail/mailstore"
	"github.com/nfsmail/nfsmail/mailstore/dbox"
	"github.com/nfsmail/nfsmail/mailstore/index"
	"github.com/nfsmail/nfsmail/mailstore/mailboxlist"
	"github.com/nfsmail/nfsmail/vfs"
)

// The words of the mailbox index's ext (boxLayout): header
// {map_uid_validity}, records {map_uid, guid as four words}.
const (
	boxHdrLen = 1
	boxRecLen = 5
)

// Mailbox is one user's mdbox INBOX as one process sees it, together with
// the user's storage (map index, m.* files).
type Mailbox struct {
	env       mailstore.Env
	user      string
	name      string // the mailbox
	dir       string // <user>/mailboxes/<name>/dbox-Mails
	st        *storage
	index     *index.Index
	view      *index.View // the IMAP session's, from its last Sync (SELECT)
	memIndex  bool        // INDEX=MEMORY: no dovecot.index.cache either
	ext       *ext
	corrupted bool
	cache     map[mapRec]dbox.MailInfo
	guidSeq   uint64
	status    *mailboxlist.Status // the list index record of this mailbox
}

var _ mailstore.Mailbox = (*Mailbox)(nil)

// Open is a mailstore.Opener for mdbox.
func Open(env mailstore.Env, user string) (mailstore.Mailbox, error) {
	return New(env, user)
}

// New opens user's INBOX and storage, creating directories and indexes
// when missing. INDEX=MEMORY keeps both the map and the mailbox index in
// this process only, so every open rebuilds them from the m.* files.
func New(env mailstore.Env, user string) (*Mailbox, error) {
	return NewMailbox(env, user, mailstore.Inbox)
}

// ErrOnlyInbox: with INDEX=MEMORY every process keeps its own map and
// rebuilds it from the m.* files into INBOX, so no other mailbox can
// share the storage.
var ErrOnlyInbox = errors.New("mdbox: with INDEX=MEMORY only INBOX is modelled")

// OpenMailbox is a mailstore.MailboxOpener for mdbox.
func OpenMailbox(env mailstore.Env, user, name string) (mailstore.Mailbox, error) {
	return NewMailbox(env, user, name)
}

func init() { mailboxlist.RegisterIndexCreator("mdbox", createIndexes) }

// createIndexes is mdbox_mailbox_create_indexes for a CREATE: the next
// UIDVALIDITY and mdbox-hdr with the map's uidvalidity, the storage opened
// for it as mdbox_write_index_header does.
func createIndexes(env mailstore.Env, user, _ string, m *index.Map) error {
	root, ok := env.Settings.IndexRoot(user, user)
	if !ok {
		return ErrOnlyInbox
	}
	st, err := openStorage(env, user, root)
	if err != nil {
		return fmt.Errorf("mdbox: create: %w", err)
	}
	defer st.ix.Close()
	m.Hdr.UIDValidity = mailstore.NextUIDValidity(env, user) // dbox_get_uidvalidity_next
	e := newExt(boxHdrLen)
	e.hdr[0] = st.ix.Map().Hdr.UIDValidity
	return boxLayout.write(e, m)
}

// NewMailbox opens user's mailbox name ("<user>/mailboxes/<name>") and
// the user's storage, which all mailboxes share, creating them when
// missing.
func NewMailbox(env mailstore.Env, user, name string) (*Mailbox, error) {
	if _, ok := env.Settings.IndexRoot(user, user); !ok && name != mailstore.Inbox {
		return nil, ErrOnlyInbox
	}
	dir, err := dbox.MkMailbox(env, "mdbox", user, name)
	if err != nil {
		return nil, err
	}
	mb := &Mailbox{env: env, user: user, name: name, dir: dir, cache: map[mapRec]dbox.MailInfo{},
		status: mailboxlist.NewStatus(env, "mdbox", user, name)}
	if !env.Settings.NoAltCheck {
		verifyAltPath(env, user)
	}
	idxRoot, boxIdx := user, mb.dir
	switch root, ok := env.Settings.IndexRoot(user, user); {
	case !ok: // INDEX=MEMORY: files no other process opens stand in for memory
		idxRoot = fmt.Sprintf("%s/.memory-index/%s.%d", user, env.Hostname, env.PID)
		boxIdx = idxRoot + "/mailboxes/INBOX"
		env.Settings.IndexMemory = false
		mb.corrupted, mb.memIndex = true, true
	case env.Settings.IndexDir != "":
		idxRoot, boxIdx = root, root+"/mailboxes/"+name
	}
	st, err := openStorage(env, user, idxRoot)
	if err != nil {
		return nil, fmt.Errorf("mdbox: open %s: %w", user, err)
	}
	ix, err := index.Open(env, dbox.MailboxIndex(boxIdx))
	if err != nil {
		st.ix.Close()
		return nil, fmt.Errorf("mdbox: open %s: %w", user, err)
	}
	mb.st, mb.index = st, ix
	mb.loadExt()
	return mb, nil
}

// Close releases the indexes.
func (mb *Mailbox) Close() error {
	mb.index.Close()
	mb.st.ix.Close()
	mb.status.Close()
	return nil
}

// UseList makes the mailbox keep its list index record through l, its
// process's list (mailboxlist.ListUser).
func (mb *Mailbox) UseList(l *mailboxlist.List) { mb.status.Use(l) }

// updateStatus puts the mailbox's UIDVALIDITY and GUID into the list
// index after a sync and after each committed save, STORE or EXPUNGE
// (index_list_update_mailbox, which index_list_transaction_commit runs).
func (mb *Mailbox) updateStatus() { dbox.UpdateStatus(mb.status, mb.index.Map(), boxLayout.hdrExt) }

func (mb *Mailbox) critical(format string, args ...any) {
	mb.env.Logf(mailstore.Critical, format, args...)
}

// loadExt reads the mailbox index's "mdbox-hdr", "mdbox" and "guid"
// extensions (boxLayout).
func (mb *Mailbox) loadExt() {
	e, ok := boxLayout.read(mb.index.Map())
	if !ok {
		mb.critical("mdbox: map uid lost for uid %d", firstUID(mb.index.Map()))
		mb.corrupted = true
	}
	mb.ext = e
}

// refresh brings the map and the mailbox index up to date.
func (mb *Mailbox) refresh() error {
	if err := mb.st.refresh(); err != nil {
		return err
	}
	if err := mb.index.Refresh(); err != nil {
		return err
	}
	mb.loadExt()
	mb.checkUIDValidity()
	return nil
}

// checkUIDValidity compares the map_uid_validity the mailbox recorded with
// the map's ("mdbox: map uidvalidity mismatch").
func (mb *Mailbox) checkUIDValidity() {
	want, have := mb.ext.hdr[0], mb.st.ix.Map().Hdr.UIDValidity
	if want != 0 && have != 0 && want != have {
		mb.critical("mdbox: map uidvalidity mismatch (%d vs %d)", want, have)
		mb.corrupted = true
	}
}

// mapUID returns uid's map_uid (0: lost).
func (mb *Mailbox) mapUID(uid mailstore.UID) uint32 {
	if v := mb.ext.recs[uint32(uid)]; len(v) == boxRecLen {
		return v[0]
	}
	return 0
}

// Sync refreshes, rebuilds the storage first when it was found corrupted,
// and returns the mailbox's messages read from their m.* files.
func (mb *Mailbox) Sync() ([]mailstore.Mail, error) {
	if err := mb.refresh(); err != nil {
		return nil, fmt.Errorf("mdbox: sync: %w", err)
	}
	// mdbox_sync_begin rebuilds a storage marked corrupted, and a mailbox
	// or map index an fsck repaired
	if mb.corrupted || mb.st.corrupted || mb.index.Map().Hdr.Flags&index.HdrFsckd != 0 ||
		mb.st.ix.Map().Hdr.Flags&index.HdrFsckd != 0 {
		if err := mb.rebuild(); err != nil {
			return nil, fmt.Errorf("mdbox: sync: %w", err)
		}
	}
	var out []mailstore.Mail
	var missing []mailstore.UID
	m := mb.index.Map()
	kw := m.KeywordsByRecord()
	for i, r := range m.Recs {
		info, rec, ok, lost := mb.read(r.UID)
		if lost {
			missing = append(missing, r.UID)
		}
		if !ok {
			continue
		}
		out = append(out, mailstore.Mail{UID: r.UID, Flags: index.FromMail(r.Flags),
			Keywords: kw[i], MessageID: info.ID,
			Size: info.Size, Key: "m." + strconv.Itoa(int(rec.fileID)) + ":" + strconv.Itoa(int(rec.offset))})
	}
	mb.setExpunged(missing...)
	if !mb.memIndex {
		_ = mb.index.CacheMessageIDs(out) // the cache is advisory: failures are logged, not returned
	}
	mb.view = mb.index.NewView() // a SELECT fixes an inconsistent view
	mb.updateStatus()
	return out, nil
}

// ForceResync is `doveadm force-resync`: rebuild the map and the
// mailbox index from the m.* files now (mdbox_storage_rebuild).
func (mb *Mailbox) ForceResync() error {
	if err := mb.refresh(); err != nil {
		return fmt.Errorf("mdbox: force-resync: %w", err)
	}
	if err := mb.rebuild(); err != nil {
		return fmt.Errorf("mdbox: force-resync: %w", err)
	}
	return nil
}

// read returns what uid's message says, through the map. A file that has
// gone since the map was read was moved by a purge or altmove: the map is
// refreshed and the lookup retried (mdbox_mail_open). lost is set when the
// map no longer has the map_uid or the same file is missing twice: the
// caller passes such messages to setExpunged.
func (mb *Mailbox) read(uid mailstore.UID) (info dbox.MailInfo, rec mapRec, ok, lost bool) {
	mu := mb.mapUID(uid)
	if mu == 0 {
		mb.critical("mdbox: map uid lost for uid %d", uid)
		mb.corrupted = true
		return dbox.MailInfo{}, mapRec{}, false, false
	}
	var prevFile uint32
	for {
		rec, ok := mb.st.lookup(mu)
		if !ok {
			return dbox.MailInfo{}, rec, false, true
		}
		if info, ok := mb.cache[rec]; ok {
			return info, rec, true, false
		}
		info, err := mb.st.readMessage(rec)
		switch {
		case errors.Is(err, fs.ErrNotExist) && rec.fileID != prevFile:
			prevFile = rec.fileID
			if err := mb.st.refresh(); err != nil {
				return dbox.MailInfo{}, rec, false, false
			}
			continue
		case errors.Is(err, fs.ErrNotExist):
			return dbox.MailInfo{}, rec, false, true
		case err != nil:
			return dbox.MailInfo{}, rec, false, false
		}
		mb.cache[rec] = info
		return info, rec, true, false
	}
}

// setExpunged is dbox_mail_set_expunged for messages read could not find:
// the mailbox index is refreshed, and a message it still lists was lost
// from the map ("Unexpectedly lost", the storage marked corrupted); one it
// no longer lists was expunged meanwhile by another session.
func (mb *Mailbox) setExpunged(uids ...mailstore.UID) {
	if len(uids) == 0 || mb.index.Refresh() != nil {
		return
	}
	mb.loadExt()
	for _, uid := range uids {
		if _, ok := mb.index.Map().Find(uid); ok && !mb.st.corrupted {
			mb.st.setCorrupted("Unexpectedly lost %s uid=%d map_uid=%d", mb.name, uid, mb.mapUID(uid))
		}
	}
}

// Store replaces uid's flags and keywords in the index (dbox keeps them
// nowhere else).
func (mb *Mailbox) Store(uid mailstore.UID, flags mailstore.Flags, keywords []string) error {
	changed, err := dbox.Store(mb.index, uid, flags, keywords)
	if err := mb.view.End(err); err != nil {
		return fmt.Errorf("mdbox: store uid %d: %w", uid, err)
	}
	if changed {
		mb.updateStatus()
	}
	return nil
}

// Expunge removes uid from the mailbox index and drops its map record's
// refcount by one under the map lock; the data stays until Purge.
func (mb *Mailbox) Expunge(uid mailstore.UID) error {
	if err := mb.view.End(mb.expunge(uid)); err != nil {
		return fmt.Errorf("mdbox: expunge uid %d: %w", uid, err)
	}
	mb.updateStatus()
	return nil
}

func (mb *Mailbox) expunge(uid mailstore.UID) error {
	l, err := mb.st.lock()
	if err != nil {
		return err
	}
	s, err := mb.index.Begin()
	if err != nil {
		l.rollback()
		return err
	}
	mb.loadExt()
	m := s.Map().Clone()
	i, ok := m.Find(uid)
	if !ok {
		s.Rollback()
		l.rollback()
		return mailstore.ErrExpunged
	}
	if mu := mb.mapUID(uid); mu == 0 || l.updateRef(mu, -1) != nil {
		mb.corrupted = mb.corrupted || mu == 0
	}
	if err := l.commit(); err != nil {
		s.Rollback()
		return err
	}
	m.Recs = slices.Delete(m.Recs, i, i+1)
	delete(mb.ext.recs, uint32(uid))
	return mb.commitBox(s, m)
}

// commitBox commits m with the mailbox's extension records.
func (mb *Mailbox) commitBox(s *index.Sync, m *index.Map) error {
	if err := boxLayout.write(mb.ext, m); err != nil {
		s.Rollback()
		return err
	}
	return s.Commit(m.Diff(s.Map()))
}

// resetBox replaces the mailbox index with m and its extension records.
func (mb *Mailbox) resetBox(s *index.Sync, m *index.Map) error {
	if err := boxLayout.write(mb.ext, m); err != nil {
		s.Rollback()
		return err
	}
	return s.Reset(m)
}

// SetFS replaces the file system this process uses (tests interpose hooks
// on a host's mount with it).
func (mb *Mailbox) SetFS(fsys vfs.FS) {
	mb.env.FS, mb.st.env.FS = fsys, fsys
}
