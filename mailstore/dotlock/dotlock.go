package dotlock

import (
	"errors"
	"fmt"
	"io/fs"
	"time"

	"github.com/nfsmail/nfsmail/mailstore"
	"github.com/nfsmail/nfsmail/vfs"
)

// ErrTimeout: the lock could not be taken before Settings.Timeout (or, with
// NonBlock, on the single try). Dovecot returns 0 with EAGAIN here.
var ErrTimeout = errors.New("lock timed out")

// ErrLost: at Release the lock file was gone or had been replaced by
// someone else's; the matching Dovecot warning has been logged.
var ErrLost = errors.New("lock was deleted or overridden")

// Settings are Dovecot's struct dotlock_settings.
type Settings struct {
	// Timeout: give up waiting after this long (whole seconds, host clock).
	Timeout time.Duration
	// StaleTimeout: override a lock nobody changed for this long; 0 never.
	StaleTimeout time.Duration
	// Suffix appended to the protected path; default ".lock".
	Suffix string
	// TempPrefix names the temp file of link mode, relative to the lock's
	// directory; default ".temp.<hostname>.<pid>.".
	TempPrefix string
	// UseExcl creates the lock with O_EXCL (dotlock_use_excl=yes); else
	// a temp file is hard-linked to the lock name (nfs_safe_link).
	UseExcl bool
	// NFSFlush adds the NFS attribute-cache flushes (mail_nfs_storage or
	// mail_nfs_index), ignores ctime changes and fdatasyncs the PID.
	NFSFlush bool
	// IONotify is Dovecot's use_io_notify. Inotify does not work across NFS
	// clients, so its only effect here is the 100–200 ms pause after
	// overriding a stale lock.
	IONotify bool
}

// Flags change how Create tries.
type Flags uint8

// NonBlock makes Create try exactly once.
const NonBlock Flags = 1

const (
	defaultSuffix       = ".lock"
	stalePIDCheckSecs   = 2       // STALE_PID_CHECK_SECS
	maxTimeDiff         = 30      // MAX_TIME_DIFF
	maxStatMtimeDiff    = 1       // FILE_DOTLOCK_MAX_STAT_MTIME_DIFF
	maxWaitUsecs        = 3000000 // LOCK_MAX_WAIT_USECS
	randomWaitBaseUsecs = 100000  // LOCK_RANDOM_USLEEP_TIME: 100..200 ms
)

// Lock is a held dotlock.
type Lock struct {
	env      mailstore.Env
	path     string // the protected file
	lockPath string
	ino      uint64
	mtime    int64 // lock file's mtime after creation, or last Touch
	lockTime int64 // host time when the lock was taken
}

// Path returns the lock file's path.
func (l *Lock) Path() string { return l.lockPath }

// Create takes the dotlock protecting path (the lock file is path+Suffix),
// waiting and overriding stale locks as Dovecot's file_dotlock_create does.
// It fails with an error wrapping ErrTimeout when the lock stays busy.
func Create(env mailstore.Env, path string, set Settings, flags Flags) (*Lock, error) {
	if set.Suffix == "" {
		set.Suffix = defaultSuffix
	}
	c := newCreator(env, path, set)
	l, err := c.run(flags)
	if err != nil {
		return nil, fmt.Errorf("dotlock %s: %w", c.lockPath, err)
	}
	return l, nil
}

// finish completes a successful creation: Dovecot's timestamp sanity
// warning, then close and re-lstat to learn the lock's mtime.
func (c *creator) finish(now int64) (*Lock, error) {
	fi, err := c.fd.Stat()
	if err != nil {
		c.env.Logf(mailstore.Error, "fstat(%s) failed: %s", c.lockPath, mailstore.Strerror(err))
		return nil, err
	}
	st := vfs.StatOf(fi)
	l := &Lock{env: c.env, path: c.path, lockPath: c.lockPath, ino: st.Ino, lockTime: now}
	if ct := st.Ctime.Unix(); ct+maxTimeDiff < now || ct-maxTimeDiff > now {
		c.env.Logf(mailstore.Warning, "Created dotlock file's timestamp is different than current time (%d vs %d): %s",
			ct, now, c.path)
	}
	fd := c.fd
	c.fd = nil
	if err := fd.Close(); err != nil {
		c.env.Logf(mailstore.Error, "close(%s) failed: %s", c.lockPath, mailstore.Strerror(err))
		return nil, err
	}
	fi, err = c.env.FS.Stat(c.lockPath)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		c.env.Logf(mailstore.Error, "dotlock %s was immediately deleted under us", c.lockPath)
		return nil, err
	case err != nil:
		c.env.Logf(mailstore.Error, "stat(%s) failed: %s", c.lockPath, mailstore.Strerror(err))
		return nil, err
	case vfs.StatOf(fi).Ino != l.ino:
		c.env.Logf(mailstore.Error, "dotlock %s was immediately recreated under us", c.lockPath)
		return nil, fs.ErrNotExist
	}
	l.mtime = vfs.StatOf(fi).Mtime.Unix()
	return l, nil
}
