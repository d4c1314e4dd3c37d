package mdbox

import (
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"slices"

	"github.com/nfsmail/nfsmail/mailstore/dbox"
	"github.com/nfsmail/nfsmail/vfs"
)

// Purge is `doveadm purge` (mdbox_purge): every file holding a message
// with refcount 0 is rewritten — its live messages copied to other files,
// the map updated under the map lock, then the file unlinked. Storage
// found corrupted on the way is rebuilt.
func (mb *Mailbox) Purge() error {
	if err := mb.refresh(); err != nil {
		return fmt.Errorf("mdbox: purge: %w", err)
	}
	if err := mb.st.purge(nil); err != nil {
		return fmt.Errorf("mdbox: purge: %w", err)
	}
	if mb.st.corrupted {
		if err := mb.rebuild(); err != nil {
			return fmt.Errorf("mdbox: purge: %w", err)
		}
	}
	return nil
}

// AltMove is `doveadm altmove ALL` for INBOX: every message gets the ALT
// flag, and the purge pass moves each map_uid whose references are all
// so flagged from primary to alt storage. Without ALT it does nothing.
func (mb *Mailbox) AltMove() error {
	if mb.st.altDir == "" {
		return nil
	}
	if err := mb.refresh(); err != nil {
		return fmt.Errorf("mdbox: altmove: %w", err)
	}
	toAlt := map[uint32]int{}
	for _, r := range mb.index.Map().Recs {
		if mu := mb.mapUID(r.UID); mu != 0 {
			toAlt[mu]++
		}
	}
	if err := mb.st.purge(toAlt); err != nil {
		return fmt.Errorf("mdbox: altmove: %w", err)
	}
	if mb.st.corrupted {
		if err := mb.rebuild(); err != nil {
			return fmt.Errorf("mdbox: altmove: %w", err)
		}
	}
	return nil
}

// purge walks the files to purge in file id order; toAlt counts, per
// map_uid, the references flagged for alt storage.
func (s *storage) purge(toAlt map[uint32]int) error {
	ids := map[uint32]bool{}
	for _, r := range s.records() {
		if r.ref == 0 {
			ids[r.fileID] = true
		}
	}
	altmoves := map[uint32]bool{}
	for _, mu := range slices.Sorted(maps.Keys(toAlt)) { // isAlt does NFS calls: a fixed order
		if r, ok := s.lookup(mu); ok && int(r.ref) == toAlt[mu] && !s.isAlt(r.fileID) {
			altmoves[mu] = true
			ids[r.fileID] = true
		}
	}
	sorted := make([]uint32, 0, len(ids))
	for id := range ids {
		sorted = append(sorted, id)
	}
	slices.Sort(sorted)
	for _, id := range sorted {
		f, path, err := s.openFile(id, vfs.O_RDWR)
		if errors.Is(err, fs.ErrNotExist) {
			err = s.removeFileID(id)
		} else if err == nil {
			err = s.purgeFile(id, f, path, altmoves)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// copied is a live message written to its new place.
type copied struct {
	mapUID uint32
	af     *appendFile
	offset int64
	size   int64
}

// purgeFile is mdbox_file_purge for one locked file.
func (s *storage) purgeFile(id uint32, f vfs.File, path string, altmoves map[uint32]bool) error {
	defer f.Close()
	if err := vfs.Lock(f, vfs.WriteLock, false); err != nil {
		return nil // busy: someone is appending; try again next time
	}
	s.purging[id] = true
	defer delete(s.purging, id)
	fi, err := f.Stat()
	if err != nil {
		return nil // deleted meanwhile
	}
	data := make([]byte, fi.Size())
	n, _ := f.ReadAt(data, 0)
	data = data[:n]
	prim, alt := s.appendBegin(false), s.appendBegin(true)
	moved, expunged, ok := s.copyLive(id, path, data, prim, alt, altmoves)
	if ok {
		ok = prim.flush() == nil && alt.flush() == nil
	}
	if !ok {
		prim.rollback()
		alt.rollback()
		return nil
	}
	done, err := s.commitPurge(prim, alt, moved, expunged)
	prim.close()
	alt.close()
	if err != nil || !done {
		return err
	}
	if err := s.env.FS.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		s.critical("unlink(%s) failed: %s", path, err)
	}
	return s.removeFileID(id)
}

// copyLive walks the file's messages against the map's records for it:
// refcount-0 messages are dropped, the rest copied to prim or alt.
func (s *storage) copyLive(id uint32, path string, data []byte, prim, alt *appendCtx,
	altmoves map[uint32]bool) (moved []copied, expunged []uint32, ok bool) {
	var msgs []mapEntry
	for _, r := range s.records() {
		if r.fileID == id {
			msgs = append(msgs, r)
		}
	}
	slices.SortFunc(msgs, func(a, b mapEntry) int { return int(a.offset) - int(b.offset) })
	h, err := dbox.ParseMultiHeader(data)
	if err != nil {
		s.fileCorrupted(path, err)
		return nil, nil, false
	}
	off := h.Len
	for i, m := range msgs {
		e, err := dbox.ParseMessage(data, off)
		if err != nil {
			s.fileCorrupted(path, err)
			return nil, nil, false
		}
		if int64(m.offset) != off {
			s.fileCorrupted(path, dbox.Corrupt(off, "purging found mismatched offsets (%d vs %d, %d/%d)",
				off, m.offset, i, len(msgs)))
			return nil, nil, false
		}
		if m.ref == 0 {
			expunged = append(expunged, m.uid)
		} else {
			c, err := s.copyOne(m.uid, data[off:off+e.Size], prim, alt, altmoves)
			if err != nil {
				return nil, nil, false
			}
			moved = append(moved, c)
		}
		off += e.Size
	}
	if off < int64(len(data)) {
		s.fileCorrupted(path, dbox.Corrupt(off, "more messages available than in map (%d < %d)", off, len(data)))
		return nil, nil, false
	}
	return moved, expunged, true
}

func (s *storage) copyOne(mu uint32, msg []byte, prim, alt *appendCtx, altmoves map[uint32]bool) (copied, error) {
	a := prim
	if altmoves[mu] {
		a = alt
	}
	af, err := a.next(int64(len(msg)))
	if err != nil {
		return copied{}, err
	}
	off, err := a.write(af, msg)
	return copied{mapUID: mu, af: af, offset: off, size: int64(len(msg))}, err
}

func (s *storage) fileCorrupted(path string, err error) {
	var ce *dbox.CorruptError
	if errors.As(err, &ce) {
		s.critical("Corrupted dbox file %s (around offset=%d): %s", path, ce.Offset, ce.Reason)
	}
	s.corrupted = true
}

// commitPurge re-checks the zero refcounts under the map lock (a message
// copied meanwhile cancels this file), then moves and expunges records.
func (s *storage) commitPurge(prim, alt *appendCtx, moved []copied, expunged []uint32) (bool, error) {
	l, err := s.lock()
	if err != nil {
		prim.rollback()
		alt.rollback()
		return false, err
	}
	for _, mu := range expunged {
		r, ok := l.get(mu)
		if !ok {
			s.setCorrupted("Purging unexpectedly lost map_uid=%d", mu)
		}
		if !ok || r.ref > 0 {
			l.rollback()
			prim.rollback()
			alt.rollback()
			return false, nil
		}
	}
	if err := prim.assignFileIDs(l); err == nil {
		err = alt.assignFileIDs(l)
	}
	if err != nil {
		l.rollback()
		prim.rollback()
		alt.rollback()
		return false, nil
	}
	for _, c := range moved {
		if r, ok := l.get(c.mapUID); ok {
			r.fileID, r.offset, r.size = c.af.id, uint32(c.offset), uint32(c.size)
			l.set(c.mapUID, r)
		}
	}
	for _, mu := range expunged {
		l.expunge(mu)
	}
	return true, l.commit()
}

// removeFileID is mdbox_map_remove_file_id: expunge every map record still
// pointing into file id.
func (s *storage) removeFileID(id uint32) error {
	l, err := s.lock()
	if err != nil {
		return err
	}
	var gone []uint32
	for _, r := range l.m.Recs {
		if rec, _ := l.get(uint32(r.UID)); rec.fileID == id {
			gone = append(gone, uint32(r.UID))
		}
	}
	for _, uid := range gone {
		l.expunge(uid)
	}
	if len(gone) == 0 {
		l.rollback()
		return nil
	}
	return l.commit()
}
