package mailboxlist

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io/fs"
	"strings"

	"github.com/nfsmail/nfsmail/mailstore"
	"github.com/nfsmail/nfsmail/mailstore/index"
)

// Config errors of mail_location (mailbox-list.c).
var (
	ErrIterIndexNeedsIndex  = errors.New("ITERINDEX requires INDEX to be explicitly set")
	ErrListIndexRelativeDir = errors.New("LISTINDEX directory is relative but INDEX=MEMORY")
)

// CheckSettings applies Dovecot's mail_location checks for the list.
func CheckSettings(s mailstore.Settings) error {
	switch {
	case s.IterIndex && (s.IndexDir == "" || s.IndexMemory):
		return ErrIterIndexNeedsIndex
	case s.IndexMemory && strings.Contains(s.ListIndex, "/") && !strings.HasPrefix(s.ListIndex, "/"):
		return ErrListIndexRelativeDir
	}
	return nil
}

// List is one process's view of a user's mailbox list. It is not safe for
// concurrent use.
type List struct {
	env mailstore.Env
	lay layout
	ix  *index.Index // nil: no backing store (INDEX=MEMORY, mailbox_list_index=no)
	// synced: this process has synced the list index with the disk once
	// (a new process has no mailbox tree yet, so its first refresh syncs
	// unless mailbox_list_index_very_dirty_syncs is set).
	synced bool
}

// Open opens user's mailbox list for a process of the given mailbox
// format ("maildir", "sdbox", "mdbox"), opening (creating) the list index
// where LISTINDEX= and INDEX= put it.
func Open(env mailstore.Env, format, user string) (*List, error) {
	if err := CheckSettings(env.Settings); err != nil {
		env.Logf(mailstore.Error, "%v", err)
		return nil, fmt.Errorf("mailboxlist: open %s: %w", user, err)
	}
	lay, err := newLayout(format, user, env.Settings)
	if err != nil {
		return nil, err
	}
	l := &List{env: env, lay: lay}
	dir, name, ok := env.Settings.ListIndexPath(user, lay.mailRoot())
	if !ok || env.Settings.NoMailboxListIndex {
		return l, nil
	}
	s := env.Settings
	s.IndexMemory = false // a LISTINDEX path of its own is on disk even with INDEX=MEMORY
	ienv := env
	ienv.Settings = s
	ix, err := index.Open(ienv, index.Options{Dir: dir, Prefix: name})
	if err != nil {
		return nil, fmt.Errorf("mailboxlist: open %s: %w", user, err)
	}
	l.ix = ix
	return l, nil
}

// Close releases the list index.
func (l *List) Close() {
	if l.ix != nil {
		l.ix.Close()
	}
}

// Names answers LIST "" "*": the folders, INBOX first. With a list index
// it is read, and synced with the disk first when its refresh flag is
// set, when it lists nothing, or when this process has not synced it yet
// (unless mailbox_list_index_very_dirty_syncs trusts it from the start).
func (l *List) Names() ([]string, error) {
	if l.ix == nil {
		return l.lay.scan(l.env.FS)
	}
	if err := l.ix.Refresh(); err != nil {
		return nil, err
	}
	t, err := parse(l.ix.Map())
	trusted := l.synced || l.env.Settings.ListIndexVeryDirtySyncs
	if err == nil && !t.refresh && len(t.names) > 0 && trusted {
		return t.sorted(), nil
	}
	names, err := l.sync()
	if err == nil {
		l.synced = true
	}
	return names, err
}

// sync rescans the folders and rewrites the list index under its lock
// (mailbox_list_index_sync); a corrupted index is rebuilt from scratch.
func (l *List) sync() ([]string, error) {
	s, err := l.ix.Begin()
	if err != nil {
		return nil, err
	}
	t, perr := parse(s.Map())
	names, err := l.lay.scan(l.env.FS)
	if err != nil {
		s.Rollback()
		l.env.Logf(mailstore.Critical, "readdir(%s) failed: %s", l.lay.scanDir(), mailstore.Strerror(err))
		return nil, fmt.Errorf("mailboxlist: list: %w", err)
	}
	uv := uint32(l.env.Clock.Now().Unix())
	if perr != nil {
		l.env.Logf(mailstore.Critical, "Corrupted mailbox list index %s: %s", l.ix.Path(), perr)
		fresh, err := rebuild(&index.Map{Hdr: s.Map().Hdr}, tree{names: map[mailstore.UID]string{}}, names, uv)
		if err != nil {
			s.Rollback()
			return nil, err
		}
		return names, s.Reset(fresh)
	}
	nm, err := rebuild(s.Map(), t, names, uv)
	if err != nil {
		s.Rollback()
		return nil, err
	}
	return names, s.Commit(nm.Diff(s.Map()))
}

// UpdateStatus is index_list_update_mailbox, run after a mailbox's sync and
// after each transaction that changed it (a save, STORE or EXPUNGE): the
// list index is refreshed (synced with the disk when Names would sync it),
// and when the mailbox's record lacks its current UIDVALIDITY or GUID they
// are written under the list index's lock, checked again once locked. A
// mailbox the list index does not know sets its refresh flag instead.
// Message counts are not kept: Dovecot keeps none for INBOX
// (mailbox_list_index_include_inbox=no), and the simulation reads no
// folder's status from the list.
func (l *List) UpdateStatus(name string, uidValidity uint32, guid [16]byte) error {
	if l.ix == nil || (uidValidity == 0 && guid == [16]byte{}) {
		return nil
	}
	if _, err := l.Names(); err != nil {
		return err
	}
	if _, want, known := wantsStatus(l.ix.Map(), name, uidValidity, guid); !known {
		l.refreshLater()
		return nil
	} else if !want {
		return nil
	}
	s, err := l.ix.Begin()
	if err != nil {
		return err
	}
	m := s.Map()
	i, want, _ := wantsStatus(m, name, uidValidity, guid)
	if !want {
		s.Rollback()
		return nil
	}
	nm := m.Clone()
	rec := make([]byte, listRecSize)
	copy(rec, nm.RecordExt(i, extList))
	if uidValidity != 0 {
		binary.LittleEndian.PutUint32(rec[recUIDValidity:], uidValidity)
	}
	if guid != [16]byte{} {
		copy(rec[recGUID:], guid[:])
	}
	if err := nm.SetRecordExt(i, extList, rec); err != nil {
		s.Rollback()
		return err
	}
	return s.Commit(nm.Diff(m))
}

// wantsStatus reports whether name's record in m (m.Recs[i]) needs the
// new status, and whether m lists name at all.
func wantsStatus(m *index.Map, name string, uidValidity uint32, guid [16]byte) (i int, want, known bool) {
	t, err := parse(m)
	if err != nil {
		return 0, false, true
	}
	i, ok := t.find(m, name)
	if !ok {
		return 0, false, false
	}
	return i, statusChanged(m.RecordExt(i, extList), uidValidity, guid), true
}

// Status is a mailbox's handle on its user's list index, opened at the
// first Update (a Dovecot process opens it to look the mailbox up), or
// the process's own list, given by Use.
type Status struct {
	env          mailstore.Env
	format, user string
	name         string
	l            *List
	shared       bool // l is the process's, not ours to close
}

// ListUser is a mailbox that can share its process's List (a Dovecot
// process opens its user's list index once, for every mailbox).
type ListUser interface {
	UseList(l *List)
}

// Use makes st work through l, which the caller keeps and closes.
func (st *Status) Use(l *List) {
	st.Close()
	st.l, st.shared = l, true
}

// NewStatus returns the Status of user's mailbox name.
func NewStatus(env mailstore.Env, format, user, name string) *Status {
	return &Status{env: env, format: format, user: user, name: name}
}

// Update runs List.UpdateStatus. Failures are logged where they happen
// and otherwise ignored, as Dovecot ignores them here.
func (st *Status) Update(uidValidity uint32, guid [16]byte) {
	if st.l == nil {
		l, err := Open(st.env, st.format, st.user)
		if err != nil {
			return
		}
		st.l = l
	}
	_ = st.l.UpdateStatus(st.name, uidValidity, guid)
}

// Close releases the list index, unless it is shared.
func (st *Status) Close() {
	if st.l != nil && !st.shared {
		st.l.Close()
	}
	st.l, st.shared = nil, false
}

// Create is CREATE name: under mailboxes.lock, make the folder and set the
// list index's refresh flag.
func (l *List) Create(name string) error {
	return l.change(name, l.lay.create, ErrExists, false)
}

// Delete is DELETE name (mailbox_delete): the folder is opened first,
// index and all, before mailboxes.lock is taken; under the lock the opened
// folder's index is synced (the expunge of its mail and the mark of its
// index as deleted), then the folder is removed and the list index's
// refresh flag set. Two of Dovecot's races follow, which a client sees as
// a NO it did not expect:
//   - a folder that could not be opened is deleted as a bare directory,
//     so one that a RENAME or CREATE made in between is refused
//     (ErrHasChildren, ErrStillExists);
//   - an opened folder that another session deleted in between answers
//     ErrDeletedUnderUs, and if one created it again, the sync finds a log
//     of another index and marks it corrupted ("indexid changed").
func (l *List) Delete(name string) error {
	if !ValidName(name) {
		return ErrInvalidName
	}
	opened, err := l.lay.exists(l.env, name)
	if err != nil {
		return err
	}
	var box *index.Index
	if opened {
		box, err = l.lay.openIndex(l.env, name)
		if errors.Is(err, fs.ErrNotExist) {
			opened = false
		} else if err != nil {
			return err
		}
	}
	if !opened {
		return l.change(name, l.lay.removeDir, ErrNotFound, true)
	}
	if box != nil {
		defer box.Close()
	}
	return l.change(name, func(env mailstore.Env, name string) error {
		if box != nil {
			s, err := box.Begin()
			switch {
			case errors.Is(err, index.ErrDeleted), errors.Is(err, index.ErrCorrupted):
				return ErrDeletedUnderUs
			case err != nil:
				return err
			}
			s.Rollback()
			box.Close() // closed before its directory goes (index_storage_mailbox_delete_post)
		}
		return l.lay.remove(env, name)
	}, ErrNotFound, true)
}

// Rename is RENAME old new (mailbox_rename): under mailboxes.lock, the
// folder's directory and its index directory are renamed and the list
// index's refresh flag set. ErrNotFound when old does not exist,
// ErrTargetExists when new does; either sets
// the flag only if the index says otherwise.
func (l *List) Rename(old, new string) error {
	if !ValidName(old) || !ValidName(new) || old == new {
		return ErrInvalidName
	}
	k, err := l.lay.lock(l.env)
	if err != nil {
		return err
	}
	defer k.unlock()
	err = l.lay.rename(l.env, old, new)
	switch {
	case err == nil:
		l.refreshLater()
	case errors.Is(err, ErrNotFound):
		l.refreshIf(old, true)
	case errors.Is(err, ErrTargetExists):
		l.refreshIf(new, false)
	}
	return err
}

// Autocreate runs create, which makes a missing mailbox of user's (the
// INBOX a delivery or login opens, or a folder the engines open without
// a CREATE first), under mailboxes.lock, as Dovecot's mailbox_create does
// for an autocreated INBOX. Unlike List.Create it leaves the list index
// alone: a new session's first LIST syncs it with the disk. A lock that cannot be
// taken (ESTALE when another host unlinked the lock file it waited on,
// a timeout) fails the caller; its line is logged.
func Autocreate(env mailstore.Env, format, user string, create func() error) error {
	lay, err := newLayout(format, user, env.Settings)
	if err != nil {
		return err
	}
	k, err := lay.lock(env)
	if err != nil {
		return err
	}
	defer k.unlock()
	return create()
}

// change runs a CREATE or DELETE (do) under mailboxes.lock. Success sets
// the refresh flag; found, the answer that says the folder already was as
// asked (ErrExists, ErrNotFound), sets it only if the index says otherwise:
// wasListed is what the index would have to say to agree with the disk.
func (l *List) change(name string, do func(mailstore.Env, string) error, found error, wasListed bool) error {
	if !ValidName(name) {
		return ErrInvalidName
	}
	k, err := l.lay.lock(l.env)
	if err != nil {
		return err
	}
	defer k.unlock()
	err = do(l.env, name)
	if errors.Is(err, found) {
		l.refreshIf(name, wasListed)
	} else if err == nil {
		l.refreshLater()
	}
	return err
}

// refreshLater sets the refresh flag (mailbox_list_index_refresh_later).
func (l *List) refreshLater() {
	if l.ix == nil {
		return
	}
	s, err := l.ix.Begin()
	if err != nil {
		return // the next LIST finds the index as it is; Dovecot ignores this too
	}
	t, _ := parse(s.Map())
	if t.refresh {
		s.Rollback()
		return
	}
	nm, err := withRefresh(s.Map())
	if err != nil {
		s.Rollback()
		return
	}
	if err := s.Commit(nm.Diff(s.Map())); err != nil {
		l.env.Logf(mailstore.Error, "mailbox list index %s: %v", l.ix.Path(), err)
	}
}

// refreshIf sets the refresh flag when the index disagrees with what a
// failed CREATE (the folder exists) or DELETE (it does not) found
// (mailbox_list_index_refresh_if_not_found / _if_found).
func (l *List) refreshIf(name string, listed bool) {
	if l.ix == nil || l.ix.Refresh() != nil {
		return
	}
	t, err := parse(l.ix.Map())
	inIndex := false
	for _, n := range t.names {
		inIndex = inIndex || n == name
	}
	if err != nil || inIndex == listed {
		l.refreshLater()
	}
}
