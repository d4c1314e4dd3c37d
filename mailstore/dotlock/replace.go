package dotlock

import (
	"fmt"

	"github.com/nfsmail/nfsmail/mailstore"
	"github.com/nfsmail/nfsmail/vfs"
)

// Replace writes data into the lock file and renames it over the protected
// file, releasing the lock: Dovecot's file_dotlock_open followed by
// file_dotlock_replace (used to create transaction logs with the
// ".newlock" suffix). With sync the data is fdatasync'd before the rename.
// Like Dovecot it does not check that the lock is still ours: a lock
// overridden meanwhile is renamed into place all the same.
func (l *Lock) Replace(data []byte, sync bool) error {
	return l.ReplaceWith(func(f vfs.File) error {
		_, err := f.Write(data)
		if err == nil && sync {
			err = f.Sync()
		}
		if err != nil {
			l.env.Logf(mailstore.Error, "write(%s) failed: %s", l.lockPath, mailstore.Strerror(err))
		}
		return err
	})
}

// ReplaceWith is Replace with the lock file's content written by write,
// which gets it open for writing and truncated and logs its own failures;
// a failed write removes the lock file and leaves the protected file
// alone.
func (l *Lock) ReplaceWith(write func(f vfs.File) error) error {
	fsys := l.env.FS
	f, err := fsys.OpenFile(l.lockPath, vfs.O_WRONLY|vfs.O_TRUNC, 0)
	if err != nil {
		l.env.Logf(mailstore.Error, "open(%s) failed: %s", l.lockPath, mailstore.Strerror(err))
		return fmt.Errorf("dotlock %s: replace: %w", l.lockPath, err)
	}
	err = write(f)
	if cerr := f.Close(); err == nil && cerr != nil {
		err = cerr
		l.env.Logf(mailstore.Error, "close(%s) failed: %s", l.lockPath, mailstore.Strerror(err))
	}
	if err != nil {
		_ = fsys.Remove(l.lockPath)
		return fmt.Errorf("dotlock %s: replace: %w", l.lockPath, err)
	}
	if err := fsys.Rename(l.lockPath, l.path); err != nil {
		l.env.Logf(mailstore.Error, "rename(%s, %s) failed: %s", l.lockPath, l.path, mailstore.Strerror(err))
		return fmt.Errorf("dotlock %s: replace: %w", l.lockPath, err)
	}
	return nil
}
