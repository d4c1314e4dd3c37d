package index

import (
	"errors"
	"fmt"

	"github.com/nfsmail/nfsmail/mailstore"
	"github.com/nfsmail/nfsmail/mailstore/dotlock"
	"github.com/nfsmail/nfsmail/vfs"
)

// ErrLockTimeout: the head log stayed locked for the whole lock timeout.
var ErrLockTimeout = errors.New("index: transaction log lock timed out")

type lockHolder = *dotlock.Lock

// lockLog takes the write lock on lf by lock_method (mail_index_lock_fd or
// the dotlock "<log>.lock").
func (ix *Index) lockLog(lf *logFile) error {
	timeout := ix.env.Settings.LockTimeout(logLockSecs)
	if ix.env.Settings.LockMethod == mailstore.LockDotlock {
		l, err := dotlock.Create(ix.env, lf.path, ix.logDotlockSettings(".lock"), 0)
		if errors.Is(err, dotlock.ErrTimeout) {
			ix.errorf("Timeout (%ds) while waiting for dotlock for transaction log file %s", int(timeout.Seconds()), lf.path)
			return fmt.Errorf("%w: %w", ErrLockTimeout, err)
		}
		if err != nil {
			return err
		}
		ix.dotlock, lf.locked = l, true
		return nil
	}
	deadline := ix.env.Clock.Now().Add(timeout)
	err := mailstore.WaitLock(ix.env.Clock, deadline, func() error { return vfs.Lock(lf.f, vfs.WriteLock, false) })
	switch {
	case err == nil:
		lf.locked = true
		return nil
	case errors.Is(err, vfs.ErrWouldBlock):
		ix.errorf("Timeout (%ds) while waiting for lock for transaction log file %s", int(timeout.Seconds()), lf.path)
		return ErrLockTimeout
	}
	// file_wait_lock's line, then mail_transaction_log_file_lock's
	ix.errorf("%s", ix.lockFailure(lf.path, err, true))
	ix.errorf("mail_index_wait_lock_fd() failed with file %s: %s", lf.path, mailstore.Strerror(err))
	return fmt.Errorf("index: lock %s: %w", lf.path, err)
}

func (ix *Index) lockFailure(path string, err error, wait bool) string {
	if ix.env.Settings.LockMethod == mailstore.LockFlock {
		return fmt.Sprintf("flock(%s, write-lock) failed: %s", path, mailstore.Strerror(err))
	}
	cmd := "F_SETLK"
	if wait {
		cmd = "F_SETLKW"
	}
	return fmt.Sprintf("fcntl(%s, write-lock, %s) locking failed: %s", path, cmd, mailstore.Strerror(err))
}

func (ix *Index) unlockLog(lf *logFile) {
	if !lf.locked {
		return
	}
	lf.locked = false
	if ix.dotlock != nil {
		_ = ix.dotlock.Release()
		ix.dotlock = nil
		return
	}
	if err := vfs.Lock(lf.f, vfs.Unlock, false); err != nil {
		ix.errorf("%s", ix.lockFailure(lf.path, err, true))
	}
}

// lockHead locks the current head log (mail_transaction_log_lock_head):
// after each lock the path is checked again, and when it names another
// file now (rotated meanwhile) the lock moves on to that file.
func (ix *Index) lockHead() error {
	for range 100 {
		lf := ix.head
		if err := ix.lockLog(lf); err != nil {
			return err
		}
		switched, err := ix.refreshHead()
		if err != nil {
			ix.unlockLog(lf)
			return err
		}
		if !switched {
			return nil
		}
		ix.unlockLog(lf)
	}
	return fmt.Errorf("index: %s keeps being replaced", ix.logPath())
}
