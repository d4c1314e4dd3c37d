package mdbox

import (
	"fmt"
	"slices"

	"github.com/nfsmail/nfsmail/mailstore"
	"github.com/nfsmail/nfsmail/mailstore/dbox"
	"github.com/nfsmail/nfsmail/mailstore/index"
)

// Mailboxes lists user's mailboxes: the directories under
// "<user>/mailboxes" that hold a dbox-Mails, sorted.
func Mailboxes(env mailstore.Env, user string) []string {
	ents, _ := env.FS.ReadDir(user + "/mailboxes")
	var out []string
	for _, e := range ents {
		if e.IsDir() {
			if _, err := env.FS.Stat(dbox.MailboxDir(user, e.Name())); err == nil {
				out = append(out, e.Name())
			}
		}
	}
	slices.Sort(out)
	return out
}

// boxIndexDir is where mailbox name keeps its index: beside its mail, or
// under INDEX= ("<root>/mailboxes/<name>").
func boxIndexDir(env mailstore.Env, user, name string) string {
	if root, ok := env.Settings.IndexRoot(user, user); ok && env.Settings.IndexDir != "" {
		return root + "/mailboxes/" + name
	}
	return dbox.MailboxDir(user, name)
}

// CopyTo is mdbox_copy within one storage: dst gets a record with the
// message's map_uid and GUID (and m's flags and keywords) and the map's
// refcount grows by one, under the map lock and then dst's index lock; no
// message data is written. dst must be a mailbox of the same user.
func (mb *Mailbox) CopyTo(dst mailstore.Mailbox, m mailstore.Mail) (mailstore.UID, error) {
	d, ok := dst.(*Mailbox)
	if !ok || d.user != mb.user {
		return 0, mailstore.ErrCopyElsewhere
	}
	l, err := mb.st.lock()
	if err != nil {
		return 0, err
	}
	if err := mb.index.Refresh(); err != nil {
		l.rollback()
		return 0, err
	}
	mb.loadExt()
	src := mb.ext.recs[uint32(m.UID)]
	if _, ok := mb.index.Map().Find(m.UID); !ok || len(src) != boxRecLen || src[0] == 0 {
		l.rollback()
		return 0, mailstore.ErrExpunged
	}
	if err := l.updateRef(src[0], 1); err != nil {
		l.rollback()
		return 0, err
	}
	s, err := d.index.Begin()
	if err != nil {
		l.rollback()
		return 0, err
	}
	d.loadExt()
	dm := s.Map().Clone()
	uid := d.appendRecord(dm, index.Record{Flags: index.ToMail(m.Flags)}, mb.st, slices.Clone(src))
	if err := dm.SetRecordKeywords(len(dm.Recs)-1, m.Keywords); err != nil {
		s.Rollback()
		l.rollback()
		return 0, err
	}
	// the mailbox record first, then the refcount, the map lock held
	// throughout (mdbox_transaction_save_commit_post): a failure between
	// them leaves a refcount too low, which a rebuild repairs, never one
	// that keeps purged data alive
	if err := d.commitBox(s, dm); err != nil {
		l.rollback()
		return 0, fmt.Errorf("mdbox: copy: %w", err)
	}
	if err := l.commit(); err != nil {
		return mailstore.UID(uid), fmt.Errorf("mdbox: copy: refcount: %w", err)
	}
	d.updateStatus()
	return mailstore.UID(uid), nil
}

// boxRebuild is one mailbox during a storage rebuild: its index locked,
// the map of its index being rebuilt and its new extension words.
type boxRebuild struct {
	name string
	ix   *index.Index
	own  bool // the rebuilding process's own mailbox (mb.index)
	s    *index.Sync
	m    *index.Map
	old  *ext
	box  *ext
}

// lockMailboxes locks every mailbox index of the user (mdbox rebuilds the
// whole storage): the process's own, and the others opened for it, in
// name order after the map lock.
func (mb *Mailbox) lockMailboxes() ([]*boxRebuild, error) {
	names := Mailboxes(mb.env, mb.user)
	if !slices.Contains(names, mb.name) {
		names = append(names, mb.name)
		slices.Sort(names)
	}
	var boxes []*boxRebuild
	release := func() {
		for _, b := range boxes {
			b.s.Rollback()
			if !b.own {
				b.ix.Close()
			}
		}
	}
	for _, name := range names {
		b := &boxRebuild{name: name, own: name == mb.name, ix: mb.index}
		if !b.own {
			ix, err := index.Open(mb.env, dbox.MailboxIndex(boxIndexDir(mb.env, mb.user, name)))
			if err != nil {
				release()
				return nil, err
			}
			b.ix = ix
		}
		s, err := b.ix.Begin()
		if err != nil {
			if !b.own {
				b.ix.Close()
			}
			release()
			return nil, err
		}
		b.s = s
		b.old, _ = boxLayout.read(s.Map())
		boxes = append(boxes, b)
	}
	return boxes, nil
}
