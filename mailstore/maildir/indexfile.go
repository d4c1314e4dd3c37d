package maildir

import (
	"github.com/nfsmail/nfsmail/mailstore"
	"github.com/nfsmail/nfsmail/mailstore/index"
	"github.com/nfsmail/nfsmail/mailstore/mailboxlist"
)

// openIndex opens the mailbox's dovecot.index* in the Maildir root (or
// the INDEX= directory); nil with INDEX=MEMORY. Maildir's log appends are
// not fdatasync'd by mail_fsync=optimized (fsync mask 0).
func (m *Mailbox) openIndex(user string) error {
	dir, ok := m.env.Settings.IndexRoot(user, m.root)
	if !ok {
		return nil
	}
	if m.env.Settings.IndexDir != "" && m.name != mailstore.Inbox {
		dir += "/." + m.name // as mailboxlist puts a folder's INDEX= directory
	}
	ix, err := index.Open(m.env, index.Options{Dir: dir, Prefix: "dovecot.index"})
	if err != nil {
		return err
	}
	m.index = ix
	m.view = viewOf(ix.Map())
	return nil
}

// refreshView re-reads the on-disk index (an IMAP session's view sync).
func (m *Mailbox) refreshView() error {
	if m.index == nil {
		return nil
	}
	if err := m.index.Refresh(); err != nil {
		return err
	}
	m.view = viewOf(m.index.Map())
	return nil
}

// viewOf converts an index map into the engine's view.
func viewOf(im *index.Map) view {
	v := view{uidValidity: im.Hdr.UIDValidity, nextUID: max(im.Hdr.NextUID, 1),
		firstRecentUID: max(im.Hdr.FirstRecentUID, 1)}
	v.recs = make([]viewRec, 0, len(im.Recs))
	kw := im.KeywordsByRecord()
	for i, r := range im.Recs {
		v.recs = append(v.recs, viewRec{uid: uint32(r.UID), flags: index.FromMail(r.Flags), keywords: kw[i]})
	}
	return v
}

// mapOf builds the index map for view v on top of base: its header and
// extensions, each kept record's extension fields, and v's keywords.
func mapOf(v view, base *index.Map) *index.Map {
	m := base.Clone()
	m.Hdr.UIDValidity, m.Hdr.NextUID, m.Hdr.FirstRecentUID = v.uidValidity, v.nextUID, v.firstRecentUID
	m.Recs = make([]index.Record, 0, len(v.recs))
	for _, r := range v.recs {
		rec := index.Record{UID: mailstore.UID(r.uid), Flags: index.ToMail(r.flags)}
		if old, ok := base.Lookup(rec.UID); ok {
			rec.Ext = old.Ext
		}
		m.Recs = append(m.Recs, rec)
		// the names come from dovecot-keywords and filenames: valid ones
		_ = m.SetRecordKeywords(len(m.Recs)-1, r.keywords)
	}
	return m
}

// Close releases the index files (and a lock left by a failed call).
func (m *Mailbox) Close() error {
	if m.index != nil {
		m.index.Close()
		m.index = nil
	}
	m.status.Close()
	return nil
}

// UseList makes the mailbox keep its list index record through l, its
// process's list (mailboxlist.ListUser).
func (m *Mailbox) UseList(l *mailboxlist.List) { m.status.Use(l) }

// updateStatus puts the mailbox's UIDVALIDITY and GUID, as
// dovecot-uidlist has them, into the list index after a sync and after
// each committed save, STORE or EXPUNGE (index_list_update_mailbox, which
// index_list_transaction_commit runs).
func (m *Mailbox) updateStatus() {
	var guid [16]byte
	if m.uidlist.haveGUID {
		guid = m.uidlist.guid
	}
	m.status.Update(m.uidlist.uidValidity, guid)
}
