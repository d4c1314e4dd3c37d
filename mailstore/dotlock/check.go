package dotlock

import (
	"errors"
	"io"
	"io/fs"
	"strconv"
	"strings"
	"time"

	"github.com/nfsmail/nfsmail/mailstore"
	"github.com/nfsmail/nfsmail/vfs"
)

// changeInfo is what was last seen of a file (Dovecot's file_change_info),
// in whole seconds like time_t.
type changeInfo struct {
	seen         bool
	ino          uint64
	size         int64
	ctime, mtime int64
}

// creator is one file_dotlock_create call (Dovecot's struct lock_info).
type creator struct {
	env            mailstore.Env
	set            Settings
	path, lockPath string

	lockInfo, fileInfo changeInfo
	lastChange         int64 // seconds; server clock on first sight, then host clock
	havePID, pidRead   bool
	lockStated         bool
	waitUsecs          int64

	tempPath string
	tempSeq  uint64
	fd       vfs.File // the created lock (or the temp file in link mode)
}

func newCreator(env mailstore.Env, path string, set Settings) *creator {
	return &creator{env: env, set: set, path: path, lockPath: path + set.Suffix}
}

func (c *creator) now() int64 { return c.env.Clock.Now().Unix() }

// randomWait is LOCK_RANDOM_USLEEP_TIME: 100–200 ms from the process's
// seeded stream (150 ms without one).
func (c *creator) randomWait() int64 {
	if c.env.Rand == nil {
		return randomWaitBaseUsecs + randomWaitBaseUsecs/2
	}
	return randomWaitBaseUsecs + c.env.Rand.Int64N(randomWaitBaseUsecs)
}

func (c *creator) sleepUsecs(us int64) { c.env.Clock.Sleep(time.Duration(us) * time.Microsecond) }

// run is Dovecot's dotlock_create loop.
func (c *creator) run(flags Flags) (*Lock, error) {
	defer c.cleanup()
	now := c.now()
	var maxWait int64
	if flags&NonBlock == 0 {
		maxWait = now + int64(c.set.Timeout/time.Second)
	}
	var prevLastChange, prevWaitUpdate int64
	for wait := false; ; wait = true {
		if wait {
			prevLastChange, prevWaitUpdate = c.adjustWait(now, prevLastChange, prevWaitUpdate)
			c.sleepUsecs(c.waitUsecs)
			now = c.now()
		}
		absent, err := c.checkLock(now)
		if err != nil {
			return nil, err
		}
		if absent {
			created, err := c.tryCreate(now)
			if err != nil {
				return nil, err
			}
			if created {
				return c.finish(c.now())
			}
		}
		if now = c.now(); now >= maxWait {
			return nil, ErrTimeout
		}
	}
}

// adjustWait resets the poll interval when the lock changed and otherwise
// grows it by half once per second, up to 3 s.
func (c *creator) adjustWait(now, prevLastChange, prevWaitUpdate int64) (int64, int64) {
	switch {
	case prevLastChange != c.lastChange || c.waitUsecs == 0:
		c.waitUsecs = c.randomWait()
		return c.lastChange, now
	case prevWaitUpdate != now && c.waitUsecs < maxWaitUsecs:
		c.waitUsecs += c.waitUsecs / 2
		return prevLastChange, now
	}
	return prevLastChange, prevWaitUpdate
}

func (c *creator) cleanup() {
	if c.fd != nil {
		if err := c.fd.Close(); err != nil {
			c.env.Logf(mailstore.Error, "close(%s) failed: %s", c.lockPath, mailstore.Strerror(err))
		}
		c.fd = nil
	}
	if c.tempPath != "" {
		c.unlink(c.tempPath)
		c.tempPath = ""
	}
}

// checkLock is Dovecot's check_lock: absent reports that the lock file
// does not exist (or that it should be created now).
func (c *creator) checkLock(now int64) (absent bool, err error) {
	absent, changed, err := c.updateLockInfo(now)
	if absent || err != nil {
		return absent, err
	}
	pid := -1
	switch {
	case changed || !c.pidRead:
		// first look or a new lock: a very fresh lock's PID is not read
		if c.lockInfo.mtime >= now-stalePIDCheckSecs {
			c.pidRead = false
		} else {
			pid = c.readLocalPID()
			c.pidRead = true
		}
		c.havePID = pid != -1
	case c.havePID:
		// re-read: the lock may have been rapidly recreated
		pid = c.readLocalPID()
		c.havePID = pid != -1
	}
	if c.havePID {
		return c.checkPID(now, pid)
	}
	stale := int64(c.set.StaleTimeout / time.Second)
	if stale == 0 {
		return false, nil
	}
	if now > c.lastChange+stale {
		if err := c.foldProtectedFile(now); err != nil {
			return false, err
		}
	}
	if now > c.lastChange+stale {
		return false, c.override()
	}
	return false, nil
}

// checkPID overrides a lock whose local owner is dead (or is us).
func (c *creator) checkPID(now int64, pid int) (bool, error) {
	if pid != c.env.PID && c.env.IsAlive(pid) {
		return false, nil
	}
	absent, changed, err := c.updateLockInfo(now)
	if absent || err != nil {
		return absent, err
	}
	if !changed {
		return false, c.override()
	}
	return true, nil
}

// foldProtectedFile treats a change of the protected file as lock activity.
func (c *creator) foldProtectedFile(now int64) error {
	if c.set.NFSFlush {
		c.flushAttrCache(c.path)
	}
	fi, err := c.env.FS.Stat(c.path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil // treat as unchanged
	case err != nil:
		c.env.Logf(mailstore.Error, "stat(%s) failed: %s", c.path, mailstore.Strerror(err))
		return err
	}
	c.updateChangeInfo(fi, &c.fileInfo, now, !c.set.NFSFlush)
	return nil
}

func (c *creator) updateLockInfo(now int64) (absent, changed bool, err error) {
	if c.set.NFSFlush && c.lockStated {
		c.flushAttrCache(c.lockPath)
	}
	c.lockStated = true
	fi, err := c.env.FS.Stat(c.lockPath)
	if errors.Is(err, fs.ErrNotExist) {
		return true, false, nil
	}
	if err != nil {
		c.env.Logf(mailstore.Error, "lstat(%s) failed: %s", c.lockPath, mailstore.Strerror(err))
		return false, false, err
	}
	return false, c.updateChangeInfo(fi, &c.lockInfo, now, !c.set.NFSFlush), nil
}

// updateChangeInfo records a change of fi and moves lastChange forward. On
// first sight the file's own (server-clock) mtime or ctime is taken.
func (c *creator) updateChangeInfo(fi fs.FileInfo, ch *changeInfo, now int64, checkCtime bool) bool {
	st := vfs.StatOf(fi)
	mt, ct := st.Mtime.Unix(), st.Ctime.Unix()
	if ch.seen && ch.ino == st.Ino && (ch.ctime == ct || !checkCtime) &&
		ch.mtime == mt && ch.size == fi.Size() {
		return false
	}
	changeTime := now
	if !ch.seen {
		changeTime = ct
		if mt <= now && (mt > ct || !checkCtime) {
			changeTime = mt
		}
	}
	if c.lastChange < changeTime {
		c.lastChange = changeTime
	}
	*ch = changeInfo{seen: true, ino: st.Ino, size: fi.Size(), ctime: ct, mtime: mt}
	return true
}

// readLocalPID returns the lock's PID if it names a process on this host.
func (c *creator) readLocalPID() int {
	f, err := c.env.FS.OpenFile(c.lockPath, vfs.O_RDONLY, 0)
	if err != nil {
		return -1
	}
	buf := make([]byte, 511)
	n, _ := io.ReadFull(f, buf)
	f.Close()
	s := strings.TrimSuffix(string(buf[:n]), "\n")
	pidStr, host, ok := strings.Cut(s, ":")
	if !ok || host != c.env.Hostname {
		return -1
	}
	pid, err := strconv.ParseUint(pidStr, 10, 31)
	if err != nil || pid == 0 {
		return -1
	}
	return int(pid)
}

// override unlinks a stale lock, then pauses so that two overriders do not
// delete each other's fresh lock.
func (c *creator) override() error {
	if err := c.env.FS.Remove(c.lockPath); err != nil && !errors.Is(err, fs.ErrNotExist) {
		c.env.Logf(mailstore.Error, "unlink(%s) failed: %s", c.lockPath, mailstore.Strerror(err))
		return err
	}
	if c.set.IONotify {
		c.sleepUsecs(c.randomWait())
	}
	return nil
}

// flushAttrCache is nfs_flush_attr_cache_unlocked: open+close makes an NFS
// client revalidate attributes (close-to-open). The parent-directory
// file-handle flush (a chmod trick) has no vfs call and is left out.
func (c *creator) flushAttrCache(path string) {
	if f, err := c.env.FS.OpenFile(path, vfs.O_RDONLY, 0); err == nil {
		f.Close()
	}
}

func (c *creator) unlink(path string) {
	if err := c.env.FS.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		c.env.Logf(mailstore.Error, "unlink(%s) failed: %s", path, mailstore.Strerror(err))
	}
}
