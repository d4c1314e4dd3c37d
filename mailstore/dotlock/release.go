package dotlock

import (
	"errors"
	"fmt"
	"io/fs"
	"time"

	"github.com/nfsmail/nfsmail/mailstore"
	"github.com/nfsmail/nfsmail/vfs"
)

// Release deletes the lock (file_dotlock_delete). When the lock file is
// gone or is someone else's, Dovecot's warning is logged, the other lock is
// left alone and the error wraps ErrLost. A lock whose mtime moved by more
// than a second (NFS attribute caching tolerance) is still ours: warning
// only.
func (l *Lock) Release() error {
	fsys := l.env.FS
	fi, err := fsys.Stat(l.lockPath)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		l.replacedWarning(true)
		return fmt.Errorf("dotlock %s: %w", l.lockPath, ErrLost)
	case err != nil:
		l.env.Logf(mailstore.Error, "lstat(%s) failed: %s", l.lockPath, mailstore.Strerror(err))
		return fmt.Errorf("dotlock %s: release: %w", l.lockPath, err)
	}
	st := vfs.StatOf(fi)
	if st.Ino != l.ino {
		l.replacedWarning(false)
		return fmt.Errorf("dotlock %s: %w", l.lockPath, ErrLost)
	}
	if mt := st.Mtime.Unix(); mt != l.mtime && abs(mt-l.mtime) > maxStatMtimeDiff {
		l.env.Logf(mailstore.Warning,
			"Our dotlock file %s was modified (%d vs %d), assuming it wasn't overridden (kept it %d secs)",
			l.lockPath, l.mtime, mt, l.now()-l.lockTime)
	}
	err = fsys.Remove(l.lockPath)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		l.replacedWarning(true)
		return fmt.Errorf("dotlock %s: %w", l.lockPath, ErrLost)
	case err != nil:
		l.env.Logf(mailstore.Error, "unlink(%s) failed: %s", l.lockPath, mailstore.Strerror(err))
		return fmt.Errorf("dotlock %s: release: %w", l.lockPath, err)
	}
	return nil
}

// Touch sets the lock's mtime to the host's now (utime), so waiters see
// activity during a long operation. Dovecot's maildir sync does this every
// 10 seconds.
func (l *Lock) Touch() error {
	now := l.now()
	if l.mtime == now {
		return nil
	}
	l.mtime = now
	t := time.Unix(now, 0)
	if err := vfs.Chtimes(l.env.FS, l.lockPath, t, t); err != nil {
		l.env.Logf(mailstore.Error, "utime(%s) failed: %s", l.lockPath, mailstore.Strerror(err))
		return fmt.Errorf("dotlock %s: touch: %w", l.lockPath, err)
	}
	return nil
}

func (l *Lock) now() int64 { return l.env.Clock.Now().Unix() }

func (l *Lock) replacedWarning(deleted bool) {
	what := "overridden"
	if deleted {
		what = "deleted"
	}
	now := l.now()
	if l.mtime == l.lockTime {
		l.env.Logf(mailstore.Warning, "Our dotlock file %s was %s (locked %d secs ago, touched %d secs ago)",
			l.lockPath, what, now-l.lockTime, now-l.mtime)
		return
	}
	l.env.Logf(mailstore.Warning, "Our dotlock file %s was %s (kept it %d secs)", l.lockPath, what, now-l.lockTime)
}

func abs(x int64) int64 {
	if x < 0 {
		return -x
	}
	return x
}
