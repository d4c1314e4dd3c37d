package maildir

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"

	"github.com/nfsmail/nfsmail/mailstore"
	"github.com/nfsmail/nfsmail/mailstore/dotlock"
	"github.com/nfsmail/nfsmail/vfs"
)

// Deliver saves msg as LMTP does (maildir-save.c): write tmp/<name>,
// fsync, then under the blocking uidlist lock assign the UID, rename into
// new/ with ,S= and ,W= sizes, fsync new/ and append the uidlist record.
func (m *Mailbox) Deliver(msg mailstore.Message) (mailstore.UID, error) {
	m.dropRecent = false // an LMTP process opens INBOX without DROP_RECENT
	data := toLF(msg.Body)
	tmpName, err := m.writeTmp(data)
	if err != nil {
		return 0, fmt.Errorf("maildir: deliver: %w", err)
	}
	dest := fmt.Sprintf("%s,S=%d,W=%d", tmpName, len(data), virtualSize(data))
	uid, err := m.commitSave(tmpName, dest, "", syncPartial|syncNoRefresh)
	if err != nil {
		return 0, fmt.Errorf("maildir: deliver: %w", err)
	}
	if m.index != nil {
		_ = m.index.CacheDelivered(mailstore.UID(uid), msg.ID)
	}
	return mailstore.UID(uid), nil
}

// writeTmp creates tmp/<unique name> with O_EXCL, writes and fsyncs it
// (unless mail_fsync=never) and closes it.
func (m *Mailbox) writeTmp(data []byte) (string, error) {
	var name, path string
	var f vfs.File
	for {
		name = m.newName()
		path = m.tmpDir + "/" + name
		var err error
		f, err = m.env.FS.OpenFile(path, vfs.O_WRONLY|vfs.O_CREATE|vfs.O_TRUNC|vfs.O_EXCL, 0o600)
		if errors.Is(err, fs.ErrExist) {
			continue // only a clock going backwards gets here
		}
		if err != nil {
			m.critical("open(%s) failed: %s", path, strerror(err))
			return "", err
		}
		break
	}
	_, err := f.Write(data)
	if err != nil {
		m.critical("write(%s) failed: %s", path, strerror(err))
	} else if m.env.Settings.MailFsync != mailstore.FsyncNever {
		if err = f.Sync(); err != nil {
			m.critical("fsync(%s) failed: %s", path, strerror(err))
		}
	}
	if cerr := f.Close(); cerr != nil && err == nil {
		m.critical("close(%s) failed: %s", path, strerror(cerr))
		err = cerr
	}
	if err != nil {
		_ = m.env.FS.Remove(path)
		return "", err
	}
	return name, nil
}

// commitSave is maildir_transaction_save_commit_pre/post for one file.
// With syncTryLock in flags and the lock busy, the file is moved into new/
// without a UID (uid 0). A dest whose base name the refreshed uidlist
// already lists is replaced by altDest when given
// (maildir_filename_check_conflicts: a copy kept under its source's name
// meets an earlier copy).
func (m *Mailbox) commitSave(tmpName, dest, altDest string, flags syncFlags) (uint32, error) {
	tmpPath := m.tmpDir + "/" + tmpName
	us, locked, err := m.uidlist.syncInit(flags)
	if err == nil && !locked && flags&syncTryLock == 0 {
		err = fmt.Errorf("uidlist lock: %w", dotlock.ErrTimeout)
	}
	if err != nil {
		_ = m.env.FS.Remove(tmpPath)
		return 0, err
	}
	var uid uint32
	var ix *indexSync
	if locked {
		if uid, ix, err = m.saveSyncIndex(); err != nil {
			_ = us.deinit(false)
			_ = m.env.FS.Remove(tmpPath)
			return 0, err
		}
		defer m.uidlist.unlock() // the lock saveSyncIndex kept
		defer ix.rollback()      // (runs first) unless committed
		if altDest != "" && m.uidlist.files[baseName(dest)] != nil {
			dest = altDest
		}
	}
	err = m.moveToNew(tmpPath, dest)
	if locked {
		if err == nil {
			_, _, err = us.next(dest, uid, recRecent|recNewDir)
		}
		if derr := us.deinit(err == nil); err == nil {
			err = derr
		}
	}
	if err != nil {
		// the uidlist lock kept others from seeing the file: undo
		_ = m.env.FS.Remove(m.newDir + "/" + dest)
		_ = m.env.FS.Remove(tmpPath)
		return 0, err
	}
	if ix != nil {
		ix.v.recs = append(ix.v.recs, viewRec{uid: uid})
		ix.v.nextUID = max(ix.v.nextUID, uid+1)
		ix.commit(false)
	}
	m.updateStatus()
	return uid, nil
}

// saveSyncIndex locks the uidlist once more (kept past the uidlist
// pass), reads it, brings the index up to date from it and returns the
// UID for the new message.
func (m *Mailbox) saveSyncIndex() (uint32, *indexSync, error) {
	u := m.uidlist
	if err := u.lockBlocking(); err != nil {
		return 0, nil, err
	}
	exists, err := u.refresh()
	if err == nil && !exists {
		// no uidlist yet: make sure existing mails get UIDs first
		err = m.syncForce(0)
	}
	if err != nil {
		u.unlock()
		return 0, nil, err
	}
	ix, err := m.indexSyncBegin(nil)
	if err != nil {
		u.unlock()
		return 0, nil, err
	}
	if ix.sync(true) < 0 {
		ix.rollback()
		u.unlock()
		return 0, nil, errIndexSync
	}
	uid := u.currentNextUID()
	if uid == 0 {
		u.unlock()
		return 0, nil, errors.New("maildir: uidlist has no next_uid")
	}
	return uid, ix, nil
}

// moveToNew renames tmp/x to new/<dest> and fsyncs new/.
func (m *Mailbox) moveToNew(tmpPath, dest string) error {
	newPath := m.newDir + "/" + dest
	if err := m.env.FS.Rename(tmpPath, newPath); err != nil {
		m.critical("rename(%s, %s) failed: %s", tmpPath, newPath, strerror(err))
		return err
	}
	if m.env.Settings.MailFsync != mailstore.FsyncNever {
		return m.fsyncDir(m.newDir)
	}
	return nil
}

// toLF converts CRLF line endings to LF, as Dovecot stores Maildir mail
// (mail_save_crlf=no).
func toLF(body []byte) []byte {
	return bytes.ReplaceAll(body, []byte("\r\n"), []byte("\n"))
}

// virtualSize is the size with every line ending counted as CRLF.
func virtualSize(lf []byte) int64 {
	return int64(len(lf) + bytes.Count(lf, []byte("\n")))
}
