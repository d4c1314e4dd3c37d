package mdbox

import (
	"errors"
	"slices"

	"github.com/nfsmail/nfsmail/mailstore"
	"github.com/nfsmail/nfsmail/mailstore/dbox"
	"github.com/nfsmail/nfsmail/mailstore/index"
	"github.com/nfsmail/nfsmail/vfs"
)

// found is one message a rebuild scan found in an m.* file.
type found struct {
	rec  mapRec
	guid string
	refs uint16
}

// rebuild is mdbox_storage_rebuild, under the map lock and the lock of
// every mailbox index of the user: every m.* file (primary, then alt) is
// scanned, the map is reset to exactly the messages found, each mailbox
// keeps the UIDs and flags of records whose GUID was found, and messages
// nobody references that the old map did not already know as expunged
// (refcount 0) are restored into INBOX with new UIDs.
func (mb *Mailbox) rebuild() error {
	st := mb.st
	mb.env.Logf(mailstore.Warning, "mdbox %s: rebuilding indexes", st.dir)
	l, err := st.lock()
	if err != nil {
		return err
	}
	boxes, err := mb.lockMailboxes()
	if err != nil {
		l.rollback()
		return err
	}
	zero := map[[2]uint32]bool{} // file id, offset of known-expunged messages
	for _, r := range l.m.Recs {
		if rec, _ := l.get(uint32(r.UID)); rec.fileID != 0 && rec.ref == 0 {
			zero[[2]uint32{rec.fileID, rec.offset}] = true
		}
	}
	msgs, byGUID := st.scan()
	restoreTo := boxes[0]
	for _, b := range boxes {
		if b.name == mailstore.Inbox {
			restoreTo = b
		}
		b.m = b.s.Map().Clone()
		b.m.Hdr.Flags &^= index.HdrFsckd // mail_index_unset_fscked
		if b.m.Hdr.UIDValidity == 0 {
			b.m.Hdr.UIDValidity = mailstore.NextUIDValidity(mb.env, mb.user)
		}
		b.box = newExt(boxHdrLen)
		kept := b.m.Recs[:0]
		for _, r := range b.m.Recs {
			v := b.old.recs[uint32(r.UID)]
			if len(v) != boxRecLen {
				continue
			}
			if i, ok := byGUID[guidString(v[1:])]; ok {
				msgs[i].refs++
				kept = append(kept, r)
				b.box.recs[uint32(r.UID)] = append([]uint32{uint32(i)}, v[1:]...) // index, fixed below
			}
		}
		b.m.Recs = kept
	}
	for i := range msgs {
		if msgs[i].refs == 0 && !zero[[2]uint32{msgs[i].rec.fileID, msgs[i].rec.offset}] {
			msgs[i].refs = 1
			m := restoreTo.m
			uid := m.Hdr.NextUID
			m.Recs = append(m.Recs, index.Record{UID: mailstore.UID(uid)})
			m.Hdr.NextUID++
			restoreTo.box.recs[uid] = append([]uint32{uint32(i)}, guidWords(msgs[i].guid)...)
		}
	}
	mapUIDs := l.resetTo(msgs)
	for _, b := range boxes {
		for uid, v := range b.box.recs {
			v[0] = mapUIDs[v[0]]
			b.box.recs[uid] = v
		}
		b.box.hdr[0] = l.m.Hdr.UIDValidity
	}
	if err := l.reset(); err != nil {
		for _, b := range boxes {
			b.s.Rollback()
			if !b.own {
				b.ix.Close()
			}
		}
		return err
	}
	st.corrupted = false
	var errs []error
	for _, b := range boxes {
		if !mb.memIndex {
			b.ix.PurgeCacheForRebuild(b.m)
		}
		// each mailbox index is reset, as rebuild_mailbox's
		// index_index_rebuild_init does: open IMAP sessions' views see it
		if b.own {
			mb.ext, mb.corrupted = b.box, false
			clear(mb.cache)
			errs = append(errs, mb.resetBox(b.s, b.m))
			continue
		}
		if err := boxLayout.write(b.box, b.m); err != nil {
			b.s.Rollback()
			errs = append(errs, err)
		} else {
			errs = append(errs, b.s.Reset(b.m))
		}
		b.ix.Close()
	}
	return errors.Join(errs...)
}

// scan lists every message of every m.* file, primary storage first; a
// GUID seen twice is kept where it was seen first.
func (s *storage) scan() ([]found, map[string]int) {
	var msgs []found
	byGUID := map[string]int{}
	seen := map[uint32]bool{}
	for _, alt := range []bool{false, true} {
		dir := s.dir
		if alt {
			dir = s.altDir
		}
		if dir == "" {
			continue
		}
		ents, _ := s.env.FS.ReadDir(dir)
		var ids []uint32
		for _, e := range ents {
			if id, ok := parseFileName(e.Name()); ok && !seen[id] {
				ids, seen[id] = append(ids, id), true
			}
		}
		slices.Sort(ids)
		for _, id := range ids {
			msgs = s.scanFile(id, s.path(id, alt), msgs, byGUID)
		}
	}
	return msgs, byGUID
}

func (s *storage) scanFile(id uint32, path string, msgs []found, byGUID map[string]int) []found {
	data, err := vfs.ReadFile(s.env.FS, path)
	if err != nil {
		s.critical("open(%s) failed: %s", path, mailstore.Strerror(err))
		return msgs
	}
	ents, err := dbox.ParseFile(data)
	if err != nil {
		s.fileCorrupted(path, err)
	}
	for _, e := range ents {
		rec := mapRec{fileID: id, offset: uint32(e.Offset), size: uint32(e.Size)}
		if j, dup := byGUID[e.Meta.GUID]; dup {
			o := msgs[j].rec
			s.env.Logf(mailstore.Warning, "mdbox %s: Duplicate GUID %s in m.%d:%d (size=%d) and m.%d:%d (size=%d)",
				s.dir, e.Meta.GUID, o.fileID, o.offset, o.size, id, e.Offset, e.Size)
			continue
		}
		byGUID[e.Meta.GUID] = len(msgs)
		msgs = append(msgs, found{rec: rec, guid: e.Meta.GUID})
	}
	return msgs
}

// resetTo replaces the locked map's records with msgs (refcount = refs),
// numbered from next_uid on, and returns each message's new map_uid.
func (l *mapLock) resetTo(msgs []found) []uint32 {
	l.m.Recs = nil
	l.m.Hdr.Flags &^= index.HdrFsckd
	clear(l.ext.recs)
	if l.m.Hdr.UIDValidity == 0 {
		l.m.Hdr.UIDValidity = uint32(l.s.env.Clock.Now().Unix())
	}
	hi := uint32(0)
	out := make([]uint32, len(msgs))
	for i, f := range msgs {
		r := f.rec
		r.ref = f.refs
		out[i] = l.add(r)
		hi = max(hi, r.fileID)
	}
	l.ext.hdr[mapHdrHighestFileID] = max(l.ext.hdr[mapHdrHighestFileID], hi)
	l.ext.hdr[mapHdrRebuildCount]++
	return out
}

// reset resets the map index to l.m with its extension records.
func (l *mapLock) reset() error {
	if err := mapLayout.write(l.ext, l.m); err != nil {
		l.sync.Rollback()
		return err
	}
	if err := l.sync.Reset(l.m); err != nil {
		return err
	}
	l.s.ext = l.ext
	return nil
}
