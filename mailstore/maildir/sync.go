package maildir

import (
	"errors"
	"time"
)

// syncOpts are the mailbox_sync_flags that matter to Maildir.
type syncOpts struct {
	fullRead bool // MAILBOX_SYNC_FLAG_FULL_READ (SELECT): no dirty-dir delay
	fast     bool // MAILBOX_SYNC_FLAG_FAST: only try the uidlist lock
}

// syncRun is struct maildir_sync_context: one scan of new/ and cur/
// under the uidlist lock, followed by an index sync.
type syncRun struct {
	m                       *Mailbox
	opts                    syncOpts
	partial, locked, racing bool
	lastTouch               int64
	us                      *uidlistSync
}

var errIndexSync = errors.New("maildir: index sync failed")

// sync is maildir_storage_sync_init: a sync, plus a forced full one when
// files last seen in new/ went missing.
func (m *Mailbox) sync(opts syncOpts) error {
	lost, err := m.syncRun(opts, false, nil)
	if err == nil && lost {
		err = m.syncForce(0)
	}
	m.syncUIDListRefreshed = false
	return err
}

// syncRun is maildir_sync_run: a sync and, when a record looked like it
// raced with an expunge, a forced second one to settle it.
func (m *Mailbox) syncRun(opts syncOpts, forced bool, findUID *uint32) (lost bool, err error) {
	s := &syncRun{m: m, opts: opts, lastTouch: m.nowSecs()}
	lost, err = s.run(forced, findUID)
	if s.racing {
		s2 := &syncRun{m: m, lastTouch: m.nowSecs()}
		_, err = s2.run(true, nil)
	}
	return lost, err
}

// syncForce rescans everything, e.g. to find a file that was renamed.
func (m *Mailbox) syncForce(uid uint32) error {
	_, err := m.syncRun(syncOpts{fast: true}, true, &uid)
	if uid != 0 {
		// maybe it's expunged: check again
		_, err = m.syncRun(syncOpts{}, true, nil)
	}
	return err
}

func (s *syncRun) run(forced bool, findUID *uint32) (bool, error) {
	defer func() {
		if s.us != nil {
			_ = s.us.deinit(false)
		}
	}()
	return s.context(forced, findUID)
}

// context is maildir_sync_context. The uidlist is locked before scanning so
// that no file vanishes from view while others rename it.
func (s *syncRun) context(forced bool, findUID *uint32) (lost bool, err error) {
	m := s.m
	newChanged, curChanged, why := true, true, whyForced
	if !forced {
		var changed bool
		if newChanged, curChanged, why, changed, err = s.changes(); err != nil || !changed {
			return false, err
		}
	}
	ok, lockFailure, err := s.initUidlist(forced, curChanged)
	if !ok || err != nil {
		return false, err
	}
	var ix *indexSync
	if !m.syncingCommit && (s.locked || lockFailure) {
		if ix, err = m.indexSyncBegin(s); err != nil {
			return false, err
		}
		defer ix.rollback()
	}
	if newChanged || curChanged {
		if err := s.scan(curChanged, why); err != nil {
			return false, err
		}
		m.syncUpdateNextUID()
		s.us.finish()
	}
	if !s.locked {
		m.hdr.newMtime, m.hdr.curMtime = time.Time{}, time.Time{} // sync again later
	}
	if ix != nil {
		ret := ix.sync(s.partial)
		if ret < 0 {
			return false, errIndexSync
		}
		ix.commit(m.dropRecent)
		lost = ret == 0
	}
	if findUID != nil && *findUID != 0 {
		s.findUID(findUID)
	}
	us := s.us
	s.us = nil
	return lost, us.deinit(true)
}

// initUidlist starts the uidlist pass: partial unless cur/ must be
// scanned. ok=false, err=nil is a lock timeout: the sync is skipped.
func (s *syncRun) initUidlist(forced, curChanged bool) (ok, lockFailure bool, err error) {
	u := s.m.uidlist
	flags := syncPartial
	s.partial = !curChanged
	if curChanged {
		flags = 0
		if forced {
			flags |= syncForce
		}
		if s.opts.fast {
			flags |= syncTryLock
		}
	}
	us, ok, err := u.syncInit(flags)
	if err == nil && !ok {
		return false, false, nil
	}
	if err != nil {
		if forced {
			return false, true, err
		}
		// sync without the lock so that expunges still work
		if us, _, err = u.syncInit(flags | syncNoLock); err != nil {
			return false, true, err
		}
		lockFailure = true
	}
	s.us = us
	s.locked = u.lockCount > 0
	if !s.locked {
		s.partial = true
	}
	return true, lockFailure, nil
}

func (s *syncRun) scan(curChanged bool, why scanWhy) error {
	final := false
	for count := 0; ; {
		rescan, err := s.scanDir(true, final, why)
		if err != nil {
			return err
		}
		if !rescan {
			break
		}
		if count++; count >= scanDirMaxCount {
			final = true
		}
	}
	if curChanged {
		_, err := s.scanDir(false, true, why)
		return err
	}
	return nil
}

// findUID clears *uid when the UID is known to be expunged or was found.
func (s *syncRun) findUID(uid *uint32) {
	rec, err := s.m.uidlist.lookup(*uid)
	if err != nil {
		return
	}
	if rec == nil || rec.flags&recNonsynced == 0 {
		*uid = 0
	}
}

// changes decides what to scan (maildir_sync_get_changes); changed is
// false when nothing at all needs doing.
func (s *syncRun) changes() (newChanged, curChanged bool, why scanWhy, changed bool, err error) {
	m := s.m
	if newChanged, curChanged, why, err = s.quickCheck(); err != nil {
		return
	}
	if m.dropRecent {
		if !newChanged && m.view.firstRecentUID < m.view.nextUID {
			newChanged, why = true, why|whyDropRecent
		}
	} else if newChanged && !curChanged {
		// recent mails deleted from new/ may just have moved to cur/
		if _, err := m.uidlist.refresh(); err == nil && m.view.firstRecentUID < m.uidlist.currentNextUID() {
			curChanged, why = true, why|whyFindRecent
		}
	}
	changed = newChanged || curChanged || m.pending != nil
	return
}

// quickCheck stats new/ and cur/ against the index header: a directory is
// rescanned when its mtime changed, or while it is "dirty" (changed within
// MAILDIR_SYNC_SECS of our last check, judged against the host clock).
func (s *syncRun) quickCheck() (newChanged, curChanged bool, why scanWhy, err error) {
	m, h := s.m, &s.m.hdr
	if h.newMtime.IsZero() {
		return true, true, whyFirstSync, nil
	}
	now := m.nowSecs()
	delayed := func(check int64, mtime time.Time) bool {
		return check <= mtime.Unix()+syncSecs && (s.opts.fullRead || check < now-syncSecs)
	}
	if delayed(h.newCheckTime, h.newMtime) {
		newChanged, why = true, why|whyDelayedNew
	}
	if delayed(h.curCheckTime, h.curMtime) {
		curChanged, why = true, why|whyDelayedCur
	}
	for _, d := range []struct {
		changed *bool
		dir     string
		mtime   time.Time
		why     scanWhy
	}{{&newChanged, m.newDir, h.newMtime, whyNewChanged}, {&curChanged, m.curDir, h.curMtime, whyCurChanged}} {
		if *d.changed {
			continue
		}
		fi, err := m.env.FS.Stat(d.dir)
		if err != nil {
			m.critical("stat(%s) failed: %s", d.dir, strerror(err))
			return false, false, why, err
		}
		if !fi.ModTime().Equal(d.mtime) {
			*d.changed, why = true, why|d.why
		}
	}
	return newChanged, curChanged, why, nil
}

// syncUpdateNextUID keeps the uidlist's next_uid at least the index's
// (maildir_sync_update_next_uid); it matters when the uidlist was lost.
func (m *Mailbox) syncUpdateNextUID() {
	if m.view.uidValidity == 0 {
		return
	}
	u := m.uidlist
	if uv := u.uidValidity; uv == m.view.uidValidity || uv == 0 {
		u.setUIDValidity(m.view.uidValidity)
		u.setNextUID(m.view.nextUID, false)
	}
}
