package maildir

import (
	"errors"
	"slices"
)

// syncFlags are enum maildir_uidlist_sync_flags.
type syncFlags uint8

const (
	syncPartial syncFlags = 1 << iota
	syncKeepState
	syncForce
	syncTryLock
	syncNoRefresh
	syncNoLock
)

// uidlistSync is struct maildir_uidlist_sync_ctx: one pass of telling the
// uidlist which files exist. A full (non-partial) pass builds a new record
// set from the files seen; a partial one updates records in place.
type uidlistSync struct {
	u     *uidlist
	flags syncFlags

	records []*record
	files   map[string]*record

	firstUnwritten, firstNew int // -1: unset
	newFiles                 int
	finishChange             int

	partial, finished, changed, failed, locked bool
}

var errUIDChanged = errors.New("maildir: file changed UID")

// syncInit locks (unless NoLock) and starts a pass. ok=false, err=nil
// means the lock could not be had and the pass was not forced.
func (u *uidlist) syncInit(flags syncFlags) (s *uidlistSync, ok bool, err error) {
	locked, ok, err := u.syncLock(flags)
	if !ok || err != nil {
		return nil, ok, err
	}
	s = &uidlistSync{u: u, flags: flags, firstUnwritten: -1, firstNew: -1, locked: locked}
	s.partial = !locked || flags&syncPartial != 0
	if s.partial {
		if flags&syncKeepState == 0 {
			u.markAll(true)
		}
		return s, true, nil
	}
	s.files = map[string]*record{}
	s.records = make([]*record, 0, len(u.records))
	return s, true, nil
}

func (u *uidlist) syncLock(flags syncFlags) (locked, ok bool, err error) {
	if flags&syncNoLock != 0 {
		_, err := u.refresh()
		return false, err == nil, err
	}
	nonblock := flags&syncTryLock != 0
	refresh := flags&syncNoRefresh == 0
	locked, err = u.lockTimeout(nonblock, refresh, refresh)
	if err != nil || locked {
		return locked, err == nil, err
	}
	if !nonblock || flags&syncForce == 0 {
		return false, false, nil
	}
	_, err = u.refresh() // forcing the sync anyway, unlocked
	return false, err == nil, err
}

// next registers a file seen in a scan (maildir_uidlist_sync_next_uid).
// ret 0 means "possibly a duplicate" of a name seen earlier in this pass.
func (s *uidlistSync) next(name string, uid uint32, flags recFlag) (*record, int, error) {
	if s.failed {
		return nil, -1, errors.New("maildir: uidlist sync failed")
	}
	for _, c := range []byte(name) {
		if c == '\r' || c == '\n' {
			s.u.m.warn("Maildir %s: Ignoring a file with #0x%x: %s", s.u.m.root, c, name)
			return nil, 1, nil
		}
	}
	if s.partial {
		return s.nextPartial(name, uid, flags)
	}
	b := baseName(name)
	rec := s.files[b]
	if rec != nil {
		if rec.flags&(recNewDir|recMoved) == 0 {
			return nil, 0, nil
		}
		// was in new/, now seen in cur/
		rec.flags &^= recNewDir | recMoved
	} else {
		rec = &record{uid: unassigned}
		if old := s.u.files[b]; old != nil {
			*rec = *old
			rec.ext = slices.Clone(old.ext)
		} else {
			s.newFiles++
			s.changed = true
			flags |= recRecent
		}
		s.records = append(s.records, rec)
	}
	if uid != 0 {
		rec.uid = uid
		if s.u.nextUID <= uid {
			s.u.nextUID = uid + 1
		}
	}
	rec.flags = (rec.flags | flags) &^ recNonsynced
	rec.name = name
	s.files[b] = rec
	return rec, 1, nil
}

func (s *uidlistSync) nextPartial(name string, uid uint32, flags recFlag) (*record, int, error) {
	u := s.u
	rec := u.files[baseName(name)]
	if rec == nil {
		if !s.locked {
			return nil, 1, nil // we can't add it: ignore
		}
		if s.firstNew < 0 {
			s.firstNew = len(u.records)
		}
		s.newFiles++
		s.changed = true
		rec = &record{uid: unassigned}
		u.records = append(u.records, rec)
		u.changeCounter++
	}
	if uid != 0 {
		if rec.uid != uid && rec.uid != unassigned {
			u.m.critical("Maildir: %s changed UID %d -> %d", name, rec.uid, uid)
			return nil, -1, errUIDChanged
		}
		rec.uid = uid
		if u.nextUID <= uid {
			u.nextUID = uid + 1
		} else if n := len(u.records); n > 1 && uid < u.records[n-1].uid {
			u.unsorted = true
		}
	}
	rec.flags &^= recNewDir
	rec.flags = (rec.flags | flags) &^ recNonsynced
	rec.name = name
	u.files[baseName(name)] = rec
	s.finished = false
	return rec, 1, nil
}

// remove drops a record during a partial pass (maildir_uidlist_sync_remove).
func (s *uidlistSync) remove(name string) {
	u := s.u
	b := baseName(name)
	rec := u.files[b]
	if rec == nil {
		return
	}
	delete(u.files, b)
	u.deleteRecord(rec)
	if s.firstUnwritten >= 0 {
		s.firstUnwritten--
	}
	if s.firstNew >= 0 {
		s.firstNew--
	}
	s.changed = true
	u.recreate = true
}

// fullName returns the name this pass saw for name's base.
func (s *uidlistSync) fullName(name string) string {
	if rec := s.files[baseName(name)]; rec != nil {
		return rec.name
	}
	return ""
}

// assignUIDs numbers the new records from next_uid, ordered by the time
// in their names.
func (s *uidlistSync) assignUIDs() {
	u := s.u
	if s.firstUnwritten < 0 {
		s.firstUnwritten = s.firstNew
	}
	fresh := u.records[s.firstNew:]
	slices.SortStableFunc(fresh, func(a, b *record) int {
		if c := cmpUID(a.uid, b.uid); c != 0 {
			return c
		}
		return sortCmp(a.name, b.name)
	})
	for _, rec := range fresh {
		if rec.uid == unassigned {
			rec.uid = u.nextUID
			u.nextUID++
			rec.flags &^= recMoved
		}
	}
	if u.lockedRefresh && u.initialRead {
		u.lastSeenUID = u.nextUID - 1
	}
	s.newFiles = 0
	s.firstNew = -1
	u.changeCounter++
	s.finishChange = u.changeCounter
}

// swap installs a full pass's records.
func (s *uidlistSync) swap() {
	u := s.u
	slices.SortStableFunc(s.records, func(a, b *record) int { return cmpUID(a.uid, b.uid) })
	u.records, u.files = s.records, s.files
	s.records, s.files = nil, nil
	if s.newFiles != 0 {
		s.firstNew = len(u.records) - s.newFiles
		s.assignUIDs()
	} else {
		u.changeCounter++
	}
}

// finish assigns UIDs and writes the file (maildir_uidlist_sync_finish);
// the lock is kept.
func (s *uidlistSync) finish() {
	switch {
	case !s.partial && !s.failed:
		s.swap()
	case s.partial && s.newFiles != 0 && !s.failed:
		s.assignUIDs()
	}
	s.finished = true
	if (s.changed || s.wantCompress()) && !s.failed && s.locked {
		if err := s.update(); err != nil {
			// don't continue using UIDs we could not write
			s.u.reset()
			s.failed = true
		}
	}
}

// deinit ends the pass and drops its lock.
func (s *uidlistSync) deinit(success bool) error {
	if !success {
		s.failed = true
	}
	if !s.finished {
		s.finish()
	}
	if s.partial {
		s.u.markAll(false)
	}
	if s.locked {
		s.u.unlock()
	}
	if s.failed {
		return errors.New("maildir: dovecot-uidlist update failed")
	}
	return nil
}

func (s *uidlistSync) wantCompress() bool {
	u := s.u
	if !u.lockedRefresh {
		return false
	}
	if u.recreate {
		return true
	}
	return (u.readRecords+s.newFiles)*compressPercent/100 >= len(u.records)
}

func (s *uidlistSync) wantRecreate() bool {
	u := s.u
	switch {
	case !u.lockedRefresh || !u.initialRead:
		return false
	case s.finishChange != u.changeCounter, u.f == nil, u.version != uidlistVersion, !u.haveGUID:
		return true
	}
	return s.wantCompress()
}
