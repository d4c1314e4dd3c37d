package maildir

import (
	"errors"
	"time"

	"github.com/nfsmail/nfsmail/mailstore"
	"github.com/nfsmail/nfsmail/mailstore/dotlock"
	"github.com/nfsmail/nfsmail/vfs"
)

// errOverridden: our dovecot-uidlist.tmp was rewritten by someone else
// before we renamed it (two writers believed they held the lock).
var errOverridden = errors.New("maildir uidlist dotlock overridden")

func (u *uidlist) dotlockSettings() dotlock.Settings {
	set := u.m.env.Settings
	return dotlock.Settings{
		Timeout:      set.LockTimeout((uidlistStaleSecs + uidlistTimeoutAdd) * time.Second),
		StaleTimeout: uidlistStaleSecs * time.Second,
		UseExcl:      set.DotlockUseExcl,
		NFSFlush:     set.MailNFSStorage,
		IONotify:     true,
	}
}

// lockTimeout takes (or nests) the dotlock. locked=false, err=nil is a
// timeout, as Dovecot's return value 0.
func (u *uidlist) lockTimeout(nonblock, refresh, refreshWhenLocked bool) (bool, error) {
	if u.lockCount > 0 {
		if !u.lockedRefresh && refreshWhenLocked {
			if _, err := u.refresh(); err != nil {
				return false, err
			}
		}
		u.lockCount++
		return true, nil
	}
	var flags dotlock.Flags
	if nonblock {
		flags = dotlock.NonBlock
	}
	l, err := dotlock.Create(u.m.env, u.path, u.dotlockSettings(), flags)
	if errors.Is(err, dotlock.ErrTimeout) {
		return false, nil
	}
	if err != nil {
		u.m.critical("file_dotlock_create(%s) failed: %s", u.path, strerror(err))
		return false, err
	}
	u.lock = l
	u.lockCount++
	u.lockedRefresh = false
	if refresh {
		if _, err := u.refresh(); err != nil {
			u.unlock()
			return false, err
		}
	}
	return true, nil
}

// lockBlocking is maildir_uidlist_lock; a timeout is an error here.
func (u *uidlist) lockBlocking() error {
	locked, err := u.lockTimeout(false, true, false)
	if err == nil && !locked {
		err = dotlock.ErrTimeout
	}
	return err
}

func (u *uidlist) unlock() {
	if u.lockCount--; u.lockCount > 0 {
		return
	}
	u.lockedRefresh = false
	_ = u.lock.Release() // a lost lock was logged by dotlock
	u.lock = nil
}

// write writes the header (at offset 0) and records from first into f at
// off, then fdatasyncs unless mail_fsync=never. It returns the new size.
func (u *uidlist) write(f vfs.File, path string, first int, off int64) (int64, error) {
	header := off == 0
	if header {
		u.version = uidlistVersion
		if u.uidValidity == 0 {
			u.uidValidity = u.m.newUIDValidity()
		}
		if !u.haveGUID {
			u.guid = u.m.newGUID()
		}
	}
	data := u.format(header, first)
	if _, err := f.Write(data); err != nil {
		u.m.critical("write(%s) failed: %s", path, strerror(err))
		return 0, err
	}
	if u.m.env.Settings.MailFsync != mailstore.FsyncNever {
		if err := f.Sync(); err != nil {
			u.m.critical("fdatasync(%s) failed: %s", path, strerror(err))
			return 0, err
		}
	}
	return off + int64(len(data)), nil
}

// recreateFile rewrites the whole file through dovecot-uidlist.tmp and
// rename (maildir_uidlist_recreate). The .tmp name is fixed and opened
// without O_EXCL, so two writers share it: a size mismatch afterwards
// means someone else wrote into our file.
func (u *uidlist) recreateFile() error {
	u.dropExpunges()
	fsys := u.m.env.FS
	tmp := u.m.root + "/" + uidlistName + ".tmp"
	f, err := fsys.OpenFile(tmp, vfs.O_RDWR|vfs.O_CREATE|vfs.O_TRUNC, 0o600)
	if err != nil {
		u.m.critical("open(%s, O_CREAT) failed: %s", tmp, strerror(err))
		return err
	}
	u.readRecords = 0
	size, err := u.write(f, tmp, 0, 0)
	if err == nil {
		if err = fsys.Rename(tmp, u.path); err != nil {
			u.m.critical("rename(%s, %s) failed: %s", tmp, u.path, strerror(err))
		}
	}
	if err != nil {
		if rerr := fsys.Remove(tmp); rerr != nil {
			u.m.critical("unlink(%s) failed: %s", tmp, strerror(rerr))
		}
		f.Close()
		return err
	}
	return u.adoptRecreated(f, tmp, size)
}

func (u *uidlist) adoptRecreated(f vfs.File, tmp string, size int64) error {
	fi, err := f.Stat()
	if err != nil {
		u.m.critical("fstat(%s) failed: %s", tmp, strerror(err))
		f.Close()
		return err
	}
	if fi.Size() != size {
		u.m.critical("Maildir uidlist dotlock overridden: %s", u.path)
		f.Close()
		return errOverridden
	}
	u.close()
	u.f, u.ino, u.size = f, vfs.StatOf(fi).Ino, fi.Size()
	u.lastReadOffset = fi.Size()
	u.recreate, u.recreateOnChange, u.haveGUID = false, false, true
	u.updateHdr(fi)
	return nil
}

// update recreates the file if that is pending (maildir_uidlist_update).
func (u *uidlist) update() error {
	if !u.recreate {
		return nil
	}
	if err := u.lockBlocking(); err != nil {
		return err
	}
	defer u.unlock()
	return u.recreateFile()
}

// dropExpunges leaves out records the index (our in-memory view) no
// longer has, when they are over a quarter of the file.
func (u *uidlist) dropExpunges() {
	v := &u.m.view
	if !u.m.opened || len(u.records)*compressPercent/100 <= len(v.recs) {
		return
	}
	var kept []*record
	i, seq := 0, 0
	for i < len(u.records) && seq < len(v.recs) {
		switch r := u.records[i]; {
		case r.uid < v.recs[seq].uid:
			delete(u.files, baseName(r.name)) // expunged
			i++
		case r.uid > v.recs[seq].uid:
			seq++ // index not up to date
		default:
			kept = append(kept, r)
			i, seq = i+1, seq+1
		}
	}
	for ; i < len(u.records) && u.records[i].uid < v.nextUID; i++ {
		delete(u.files, baseName(u.records[i].name))
	}
	u.records = append(kept, u.records[i:]...)
}

// syncUpdate writes what a sync changed: appended records, or the whole
// file when the header changed or records were dropped.
func (s *uidlistSync) update() error {
	u := s.u
	if s.wantRecreate() || u.recreateOnChange {
		return u.recreateFile()
	}
	if !u.lockedRefresh || u.f == nil {
		if err := u.openLatest(); err != nil {
			return err
		}
		if u.recreateOnChange || u.f == nil {
			return u.recreateFile()
		}
	}
	return s.appendRecords()
}

func (s *uidlistSync) appendRecords() error {
	u := s.u
	off, err := u.f.Seek(0, 2)
	if err != nil {
		u.m.critical("lseek(%s) failed: %s", u.path, strerror(err))
		return err
	}
	size, err := u.write(u.f, u.path, s.firstUnwritten, off)
	if err != nil {
		return err
	}
	fi, err := u.f.Stat()
	if err != nil {
		u.m.critical("fstat(%s) failed: %s", u.path, strerror(err))
		return err
	}
	if fi.Size() != size {
		u.m.warn("%s: file size changed unexpectedly after write", u.path)
	} else if u.lockedRefresh {
		u.size, u.lastReadOffset = fi.Size(), fi.Size()
		u.updateHdr(fi)
	}
	return nil
}

func strerror(err error) string { return mailstore.Strerror(err) }
