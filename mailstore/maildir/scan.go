package maildir

import (
	"errors"
	"fmt"
	"io/fs"
	"strings"

	"github.com/nfsmail/nfsmail/vfs"
)

const (
	syncSecs          = 1     // MAILDIR_SYNC_SECS: assumed worst clock drift
	renameRescanCount = 5     // MAILDIR_RENAME_RESCAN_COUNT
	scanDirMaxCount   = 5     // MAILDIR_SCAN_DIR_MAX_COUNT
	dupeLinksDelete   = 30    // DUPE_LINKS_DELETE_SECS
	slowMoveCount     = 100   // MAILDIR_SLOW_MOVE_COUNT
	slowCheckCount    = 10000 // MAILDIR_SLOW_CHECK_COUNT
	syncTimeWarnSecs  = 30    // MAILDIR_SYNC_TIME_WARN_SECS
	lockTouchSecs     = 10    // MAILDIR_LOCK_TOUCH_SECS
)

// scanWhy is enum maildir_scan_why, reported in slow-scan warnings.
type scanWhy uint8

const (
	whyForced scanWhy = 1 << iota
	whyFirstSync
	whyNewChanged
	whyCurChanged
	whyDropRecent
	whyFindRecent
	whyDelayedNew
	whyDelayedCur
)

// scanDir lists new/ or cur/ and feeds every file to the uidlist pass,
// moving new/ files to cur/ when locked (maildir_scan_dir). rescan asks
// for another pass over new/ because renames may have hidden entries.
func (s *syncRun) scanDir(newDir, final bool, why scanWhy) (rescan bool, err error) {
	m := s.m
	dir := m.curDir
	if newDir {
		dir = m.newDir
	}
	fi, err := m.env.FS.Stat(dir)
	if err != nil {
		m.critical("fstat(%s) failed: %s", dir, strerror(err))
		return false, err
	}
	ents, err := m.env.FS.ReadDir(dir)
	if err != nil {
		m.critical("opendir(%s) failed: %s", dir, strerror(err))
		return false, err
	}
	start := m.nowSecs()
	if newDir {
		m.hdr.newCheckTime, m.hdr.newMtime = start, fi.ModTime()
	} else {
		m.hdr.curCheckTime, m.hdr.curMtime = start, fi.ModTime()
	}
	sc := scan{s: s, dir: dir, newDir: newDir, moveNew: newDir && s.locked && m.dropRecent}
	for _, e := range ents {
		if err := sc.entry(e.Name()); err != nil {
			return false, err
		}
	}
	if sc.dirChanged {
		s.restatDirs(start)
	}
	if diff := m.nowSecs() - start; diff >= syncTimeWarnSecs {
		m.warn("Maildir: Scanning %s took %d seconds (%d readdir()s, %d rename()s to cur/, why=0x%x)",
			dir, diff, sc.readdirs, sc.moves, why)
	}
	return sc.moves > renameRescanCount && !final, nil
}

// scan is the state of one directory listing.
type scan struct {
	s               *syncRun
	dir             string
	newDir, moveNew bool
	dirChanged      bool
	readdirs, moves int
}

func (sc *scan) entry(name string) error {
	s := sc.s
	if name[0] == '.' {
		return nil
	}
	if name[0] == infoSep {
		return s.renameEmptyBasename(sc.dir, name)
	}
	var flags recFlag
	switch {
	case sc.moveNew:
		flags = sc.moveToCur(name)
	case sc.newDir:
		flags = recNewDir | recRecent
	}
	if sc.readdirs++; sc.readdirs%slowCheckCount == 0 {
		s.notify()
	}
	_, ret, err := s.us.next(name, 0, flags)
	if err != nil {
		return err
	}
	if ret == 0 {
		return s.fixDuplicate(sc.dir, name)
	}
	return nil
}

// moveToCur renames new/name to cur/name:2, (a SELECT drops \Recent).
func (sc *scan) moveToCur(name string) recFlag {
	m := sc.s.m
	src, dst := m.newDir+"/"+name, m.curDir+"/"+name
	if !strings.ContainsRune(name, infoSep) {
		dst += flagsFullSep
	}
	var flags recFlag
	err := m.env.FS.Rename(src, dst)
	switch {
	case err == nil, errors.Is(err, fs.ErrNotExist): // someone else moved it
		sc.dirChanged = true
		sc.moves++
		flags = recMoved | recRecent
	case errors.Is(err, vfs.ErrNoSpace), errors.Is(err, fs.ErrPermission):
		flags = recNewDir
		sc.moveNew = false
	default:
		flags = recNewDir
		m.critical("rename(%s, %s) failed: %s", src, dst, strerror(err))
	}
	if sc.moves%slowMoveCount == 0 {
		sc.s.notify()
	}
	return flags
}

// restatDirs records the directories' times after our own renames. Like
// Dovecot, cur/'s result is stored into new_check_time.
func (s *syncRun) restatDirs(start int64) {
	m := s.m
	if fi, err := m.env.FS.Stat(m.newDir); err == nil {
		m.hdr.newCheckTime = max(fi.ModTime().Unix(), start)
		m.hdr.newMtime = fi.ModTime()
	}
	if fi, err := m.env.FS.Stat(m.curDir); err == nil {
		m.hdr.newCheckTime = max(fi.ModTime().Unix(), start)
		m.hdr.curMtime = fi.ModTime()
	}
}

// fixDuplicate handles a base name seen twice in one scan: an old hard
// link is unlinked, anything else is renamed to a fresh name in new/.
func (s *syncRun) fixDuplicate(dir, fname2 string) error {
	m := s.m
	fname1 := s.us.fullName(fname2)
	path1, path2 := dir+"/"+fname1, dir+"/"+fname2
	fi1, err1 := m.env.FS.Stat(path1)
	fi2, err2 := m.env.FS.Stat(path2)
	if err1 != nil || err2 != nil {
		return nil // most likely gone already
	}
	st1, st2 := vfs.StatOf(fi1), vfs.StatOf(fi2)
	if st1.Ino == st2.Ino {
		if st1.Nlink > 1 && st2.Nlink == st1.Nlink && st1.Ctime.Unix() == st2.Ctime.Unix() &&
			st1.Ctime.Unix() < m.nowSecs()-dupeLinksDelete {
			if m.env.FS.Remove(path2) == nil {
				m.warn("Unlinked a duplicate: %s", path2)
			}
		}
		return nil
	}
	newName := m.newName() + sizeSuffix(fname2)
	newPath := m.newDir + "/" + newName
	err := m.env.FS.Rename(path2, newPath)
	switch {
	case err == nil:
		m.warn("Fixed a duplicate: %s -> %s", path2, newName)
	case !errors.Is(err, fs.ErrNotExist):
		m.critical("Couldn't fix a duplicate: rename(%s, %s) failed: %s", path2, newPath, strerror(err))
		return err
	}
	return nil
}

// sizeSuffix keeps ",S=" and ",W=" for a renamed file.
func sizeSuffix(fname string) string {
	var b strings.Builder
	for _, typ := range []byte{'S', 'W'} {
		if size, ok := sizeField(fname, typ); ok {
			fmt.Fprintf(&b, ",%c=%d", typ, size)
		}
	}
	return b.String()
}

// renameEmptyBasename gives a file named ":..." a real name in new/.
func (s *syncRun) renameEmptyBasename(dir, fname string) error {
	m := s.m
	oldPath, newName := dir+"/"+fname, m.newName()
	newPath := m.newDir + "/" + newName
	err := m.env.FS.Rename(oldPath, newPath)
	switch {
	case err == nil:
		m.warn("Fixed broken filename: %s -> %s", oldPath, newName)
	case !errors.Is(err, fs.ErrNotExist):
		m.critical("Couldn't fix a broken filename: rename(%s, %s) failed: %s", oldPath, newPath, strerror(err))
		return err
	}
	return nil
}

// notify touches the uidlist lock during long scans so that others do
// not consider it stale.
func (s *syncRun) notify() {
	now := s.m.nowSecs()
	if now-s.lastTouch > lockTouchSecs && s.locked {
		_ = s.m.uidlist.lock.Touch()
		s.lastTouch = now
	}
}
