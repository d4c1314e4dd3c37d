package mailboxlist

import (
	"crypto/sha1"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"strings"
	"time"

	"github.com/nfsmail/nfsmail/mailstore"
	"github.com/nfsmail/nfsmail/mailstore/dotlock"
	"github.com/nfsmail/nfsmail/vfs"
)

const (
	listLockName = "mailboxes.lock" // MAILBOX_LIST_LOCK_FNAME
	listLockSecs = 60 * time.Second // MAILBOX_LIST_LOCK_SECS
)

// ErrLockTimeout: mailboxes.lock stayed locked for the whole timeout.
var ErrLockTimeout = errors.New("mailboxlist: mailbox list lock timed out")

// listLock is a held mailboxes.lock.
type listLock struct {
	env  mailstore.Env
	path string
	f    vfs.File      // file_create_locked
	dot  *dotlock.Lock // lock_method=dotlock
}

// lockPath is where mailboxes.lock lives (mailbox_list_lock): in
// VOLATILEDIR with the SHA-1 of the namespace prefix ("" here) appended, else
// in the index root, else in the mail root.
func (l layout) lockPath() string {
	if dir, ok := l.set.VolatileRoot(l.user); ok {
		sum := sha1.Sum(nil)
		return dir + "/" + listLockName + hex.EncodeToString(sum[:])
	}
	if root, ok := l.set.IndexRoot(l.user, l.mailRoot()); ok {
		return root + "/" + listLockName
	}
	return l.mailRoot() + "/" + listLockName
}

// lock takes mailboxes.lock (mail_storage_lock_create).
func (l layout) lock(env mailstore.Env) (*listLock, error) {
	path := l.lockPath()
	if err := vfs.MkdirAll(env.FS, parentOf(path), 0o700); err != nil {
		return nil, l.failed(env, "mkdir", parentOf(path), err)
	}
	timeout := env.Settings.LockTimeout(listLockSecs)
	if env.Settings.LockMethod == mailstore.LockDotlock {
		// mail_storage_dotlock_create locks path itself (no ".lock" added):
		// protect ".../mailboxes" with the rest of the lock's name as suffix
		base := strings.TrimPrefix(path, parentOf(path)+"/")
		set := dotlock.Settings{Timeout: timeout, StaleTimeout: max(5*time.Minute, timeout),
			Suffix: strings.TrimPrefix(base, "mailboxes"), UseExcl: env.Settings.DotlockUseExcl,
			NFSFlush: env.Settings.MailNFSStorage, IONotify: true}
		d, err := dotlock.Create(env, parentOf(path)+"/mailboxes", set, 0)
		if err != nil {
			env.Logf(mailstore.Critical, "Couldn't create mailbox list lock %s: file_dotlock_create(%s) failed: %s",
				path, path, mailstore.Strerror(err))
			return nil, fmt.Errorf("mailboxlist: lock %s: %w", path, err)
		}
		return &listLock{env: env, path: path, dot: d}, nil
	}
	f, err := createLocked(env, path, timeout)
	if err != nil {
		env.Logf(mailstore.Critical, "Couldn't create mailbox list lock %s: file_create_locked(%s) failed: %s",
			path, path, lockError(err))
		return nil, fmt.Errorf("mailboxlist: lock %s: %w", path, err)
	}
	return &listLock{env: env, path: path, f: f}, nil
}

func lockError(err error) string {
	var pe *fs.PathError
	switch {
	case errors.Is(err, ErrLockTimeout):
		return "Resource temporarily unavailable"
	case errors.As(err, &pe):
		return mailstore.Strerror(err)
	}
	return err.Error()
}

// createLocked is file_create_locked: open the lock file and lock it; if
// it does not exist, create a uniquely named temp file, lock it and link
// it to the lock name. After a wait the lock file is stat'ed again: if
// the holder unlinked it meanwhile, the lock is on a dead inode and the
// attempt starts over.
func createLocked(env mailstore.Env, path string, timeout time.Duration) (vfs.File, error) {
	deadline := env.Clock.Now().Add(timeout)
	for try := 0; ; try++ {
		if try > 100 {
			return nil, fmt.Errorf("%s keeps being replaced", path)
		}
		f, err := env.FS.OpenFile(path, vfs.O_RDWR, 0)
		if err == nil {
			if err := waitLock(env, f, deadline); err != nil {
				_ = f.Close()
				if errors.Is(err, ErrLockTimeout) {
					return nil, err
				}
				// e.g. ESTALE: the holder unlinked the file this host still has open
				return nil, fmt.Errorf("fcntl(%s, write-lock, F_SETLKW) locking failed: %s", path, mailstore.Strerror(err))
			}
			if sameFile(env.FS, f, path) {
				return f, nil
			}
			_ = f.Close() // unlinked by its holder meanwhile
			continue
		}
		if !errors.Is(err, fs.ErrNotExist) {
			return nil, err
		}
		tmp := fmt.Sprintf("%s%x", path, randomSuffix(env, try))
		f, err = env.FS.OpenFile(tmp, vfs.O_RDWR|vfs.O_CREATE|vfs.O_EXCL, 0o600)
		if err != nil {
			return nil, err
		}
		if err := vfs.Lock(f, vfs.WriteLock, false); err != nil {
			_ = f.Close()
			_ = env.FS.Remove(tmp)
			return nil, err
		}
		err = vfs.Link(env.FS, tmp, path)
		_ = env.FS.Remove(tmp)
		if err == nil {
			return f, nil
		}
		_ = f.Close()
		if !errors.Is(err, fs.ErrExist) {
			return nil, err
		}
	}
}

// waitLock is file_create_locked's F_SETLKW on the lock file, until deadline.
func waitLock(env mailstore.Env, f vfs.File, deadline time.Time) error {
	err := mailstore.WaitLock(env.Clock, deadline, func() error { return vfs.Lock(f, vfs.WriteLock, false) })
	if errors.Is(err, vfs.ErrWouldBlock) {
		return ErrLockTimeout
	}
	return err
}

func sameFile(fsys vfs.FS, f vfs.File, path string) bool {
	a, err := f.Stat()
	if err != nil {
		return false
	}
	b, err := fsys.Stat(path)
	return err == nil && vfs.StatOf(a).Ino == vfs.StatOf(b).Ino
}

func randomSuffix(env mailstore.Env, try int) uint64 {
	if env.Rand != nil {
		return env.Rand.Uint64()
	}
	return uint64(env.PID)<<16 | uint64(try)
}

// unlock releases the lock; file_create_locked's lock is unlinked before
// it is unlocked (unlink_on_free), so waiters see a dead inode.
func (k *listLock) unlock() {
	if k.dot != nil {
		_ = k.dot.Release()
		return
	}
	if err := k.env.FS.Remove(k.path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		k.env.Logf(mailstore.Error, "unlink(%s) failed: %s", k.path, mailstore.Strerror(err))
	}
	_ = vfs.Lock(k.f, vfs.Unlock, false)
	_ = k.f.Close()
}
