package sdbox

import (
	"errors"
	"fmt"
	"io/fs"

	"github.com/nfsmail/nfsmail/mailstore"
	"github.com/nfsmail/nfsmail/mailstore/dbox"
	"github.com/nfsmail/nfsmail/mailstore/index"
	"github.com/nfsmail/nfsmail/vfs"
)

// errExists: u.<next_uid> was already there; the mailbox is marked
// corrupted and the save fails (sdbox_file_assign_uid).
var errExists = errors.New("sdbox: message file already exists")

// Deliver saves msg (sdbox-save.c): temp file, fdatasync, index sync lock,
// UID = next_uid, stat check, rename to u.<uid>, commit the append,
// fdatasync the directory.
func (mb *Mailbox) Deliver(msg mailstore.Message) (mailstore.UID, error) {
	tmp, err := mb.writeTemp(dbox.ToLF(msg.Body))
	if err != nil {
		return 0, fmt.Errorf("sdbox: deliver: %w", err)
	}
	uid, err := mb.commitSave(tmp, 0, nil)
	if err != nil {
		_ = mb.env.FS.Remove(tmp)
		return 0, fmt.Errorf("sdbox: deliver: %w", err)
	}
	mb.saved(uid, msg.ID)
	return mailstore.UID(uid), nil
}

// saved finishes a save committed as uid: the directory is fdatasync'd
// (unless mail_fsync=never) and the Message-ID cached.
func (mb *Mailbox) saved(uid uint32, messageID string) {
	if mb.env.Settings.MailFsync != mailstore.FsyncNever {
		dbox.FsyncDir(mb.env, mb.dir)
	}
	if !mb.memIndex {
		_ = mb.index.CacheDelivered(mailstore.UID(uid), messageID)
	}
}

// writeTemp creates ".temp.<sec>.P<pid>Q<n>M<usec>.<host>" (O_TRUNC, not
// exclusive, as Dovecot does) with the whole dbox file.
func (mb *Mailbox) writeTemp(body []byte) (string, error) {
	now := mb.env.Clock.Now()
	mb.tempSeq++
	path := dbox.TempPath(mb.env, mb.dir, now, mb.tempSeq)
	data := encodeFile(body, now.Unix(), mb.newGUID(), dbox.VSize(body))
	f, err := mb.env.FS.OpenFile(path, vfs.O_RDWR|vfs.O_CREATE|vfs.O_TRUNC, 0o600)
	if err != nil {
		mb.critical("open(%s) failed: %s", path, mailstore.Strerror(err))
		return "", err
	}
	_, err = f.Write(data)
	if err == nil && mb.env.Settings.MailFsync != mailstore.FsyncNever {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		mb.critical("write(%s) failed: %s", path, mailstore.Strerror(err))
		_ = mb.env.FS.Remove(path)
		return "", err
	}
	return path, nil
}

// commitSave assigns the UID under the index sync lock, renames tmp to
// u.<uid> and commits the record with flags and keywords.
func (mb *Mailbox) commitSave(tmp string, flags mailstore.Flags, keywords []string) (uint32, error) {
	s, err := mb.index.Begin()
	if err != nil {
		return 0, err
	}
	if mb.corrupted || fscked(s.Map()) { // the save's sdbox_sync_begin rebuilds first
		s.Rollback()
		if err := mb.rebuild(); err != nil {
			return 0, err
		}
		if s, err = mb.index.Begin(); err != nil {
			return 0, err
		}
	}
	m := s.Map().Clone()
	if m.Hdr.UIDValidity == 0 { // creating the mailbox (sdbox_mailbox_create_indexes)
		m.Hdr.UIDValidity = mailstore.NextUIDValidity(mb.env, mb.user) // dbox_get_uidvalidity_next
		if err := mb.fillHeader(m, false); err != nil {
			s.Rollback()
			return 0, err
		}
	}
	uid := m.Hdr.NextUID
	m.Recs = append(m.Recs, index.Record{UID: mailstore.UID(uid), Flags: index.ToMail(flags)})
	m.Hdr.NextUID = uid + 1
	if err := m.SetRecordKeywords(len(m.Recs)-1, keywords); err != nil {
		s.Rollback()
		return 0, err
	}
	path := mb.path(uid)
	if _, err := mb.env.FS.Stat(path); err == nil {
		mb.critical("sdbox: %s already exists, rebuilding index", path)
		mb.corrupted = true
		s.Rollback()
		return 0, errExists
	} else if !errors.Is(err, fs.ErrNotExist) {
		mb.critical("stat(%s) failed: %s", path, mailstore.Strerror(err))
		s.Rollback()
		return 0, err
	}
	if err := mb.env.FS.Rename(tmp, path); err != nil {
		mb.critical("rename(%s, %s) failed: %s", tmp, path, mailstore.Strerror(err))
		s.Rollback()
		return 0, err
	}
	if err := s.Commit(m.Diff(s.Map())); err != nil {
		_ = mb.env.FS.Remove(path)
		return 0, err
	}
	mb.updateStatus()
	return uid, nil
}

func (mb *Mailbox) newGUID() string {
	mb.guidSeq++
	return dbox.NewGUID(mb.env, mb.guidSeq)
}
