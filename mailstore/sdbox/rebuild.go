package sdbox

import (
	"slices"

	"github.com/nfsmail/nfsmail/mailstore"
	"github.com/nfsmail/nfsmail/mailstore/index"
)

// rebuild is sdbox_sync_index_rebuild under the index sync lock: the
// index is reset to exactly the u.<uid> files in the directory, keeping
// flags of UIDs it still has, next_uid above every file and uidvalidity
// (new if missing).
func (mb *Mailbox) rebuild() error {
	s, err := mb.index.Begin()
	if err != nil {
		return err
	}
	old := s.Map()
	if !mb.corrupted && !fscked(old) && old.Hdr.UIDValidity != 0 {
		s.Rollback() // another process created the mailbox meanwhile: nothing to do
		return nil
	}
	rebuilding := mb.corrupted || fscked(old)
	if rebuilding {
		mb.env.Logf(mailstore.Warning, "sdbox %s: Rebuilding index", mb.dir)
	}
	uids, err := mb.listUIDs()
	if err != nil {
		s.Rollback()
		return err
	}
	m := old.Clone()
	m.Hdr.Flags &^= index.HdrFsckd // mail_index_unset_fscked
	m.Recs = m.Recs[:0]
	for _, uid := range uids {
		r := index.Record{UID: mailstore.UID(uid)}
		j, had := old.Find(r.UID)
		if had {
			r.Flags = old.Recs[j].Flags
		}
		m.Recs = append(m.Recs, r)
		if had { // index_rebuild_index_metadata keeps flags and keywords
			if err := m.SetRecordKeywords(len(m.Recs)-1, old.RecordKeywords(j)); err != nil {
				s.Rollback()
				return err
			}
		}
		m.Hdr.NextUID = max(m.Hdr.NextUID, uid+1)
	}
	if m.Hdr.UIDValidity == 0 {
		m.Hdr.UIDValidity = mailstore.NextUIDValidity(mb.env, mb.user)
	}
	if err := mb.fillHeader(m, rebuilding); err != nil {
		s.Rollback()
		return err
	}
	if !mb.memIndex {
		mb.index.PurgeCacheForRebuild(m)
	}
	clear(mb.info)
	mb.corrupted = false
	if rebuilding {
		// index_index_rebuild_init resets the index: a new log, which
		// every open IMAP session's view sees as a reset (index.View)
		return s.Reset(m)
	}
	return s.Commit(m.Diff(old)) // a new mailbox's first uidvalidity
}

// fscked reports the index header's FSCKD flag: an fsck repaired the
// index, so sdbox_sync_begin rebuilds it from the files.
func fscked(m *index.Map) bool { return m.Hdr.Flags&index.HdrFsckd != 0 }

// listUIDs returns the UIDs of the u.* files, sorted.
func (mb *Mailbox) listUIDs() ([]uint32, error) {
	ents, err := mb.env.FS.ReadDir(mb.dir)
	if err != nil {
		mb.critical("opendir(%s) failed: %s", mb.dir, mailstore.Strerror(err))
		return nil, err
	}
	var uids []uint32
	for _, e := range ents {
		name := e.Name()
		n, isMail, ok := parseFileName(name)
		if !isMail {
			continue
		}
		if !ok {
			mb.env.Logf(mailstore.Warning, "sdbox %s: Ignoring invalid filename %s", mb.dir, name)
			continue
		}
		uids = append(uids, n)
	}
	slices.Sort(uids)
	return uids, nil
}
