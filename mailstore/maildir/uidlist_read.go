package maildir

import (
	"bytes"
	"errors"
	"io"
	"io/fs"

	"github.com/nfsmail/nfsmail/mailstore"
	"github.com/nfsmail/nfsmail/vfs"
)

// refresh brings the records up to date with the file
// (maildir_uidlist_refresh). exists is false when there was no readable
// file; a file without a mailbox GUID (or none at all) is then recreated.
func (u *uidlist) refresh() (exists bool, err error) {
	if err := u.openLatest(); err != nil {
		return false, err
	}
	var ret int
	for i := 0; ; i++ {
		var retry bool
		ret, retry, err = u.updateRead(i < mailstore.ESTALERetryCount)
		if !retry {
			break
		}
		u.close() // ESTALE: reopen and reread
	}
	if err != nil {
		return false, err
	}
	u.initialRead, u.initialHdrRead = true, true
	if u.lockCount > 0 {
		u.lockedRefresh = true
	}
	if !u.haveGUID {
		u.recreate = true
		_ = u.update()
	}
	return ret > 0, nil
}

// stat is maildir_uidlist_stat, with mail_nfs_storage's flush.
func (u *uidlist) stat() (fs.FileInfo, error) {
	u.m.nfsFlushAttrs(u.path)
	fi, err := u.m.env.FS.Stat(u.path)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		u.m.critical("stat(%s) failed: %s", u.path, strerror(err))
	}
	return fi, err
}

// hasChanged compares the file with the open one: recreated means a new
// inode (or none), otherwise a size change means appended records.
func (u *uidlist) hasChanged() (changed, recreated bool, err error) {
	fi, err := u.stat()
	if errors.Is(err, fs.ErrNotExist) {
		return true, true, nil
	}
	if err != nil {
		return false, false, err
	}
	if vfs.StatOf(fi).Ino != u.ino {
		return true, true, nil
	}
	if u.m.env.Settings.MailNFSStorage {
		// same inode number, but maybe a deleted file's recycled one
		if fi, err = u.f.Stat(); errors.Is(err, vfs.ErrStale) {
			return true, true, nil
		} else if err != nil {
			u.m.critical("fstat(%s) failed: %s", u.path, strerror(err))
			return false, false, err
		}
	}
	return fi.Size() != u.size, false, nil
}

// openLatest reopens the file if it was replaced (maildir_uidlist_open_latest).
func (u *uidlist) openLatest() error {
	if u.f != nil {
		changed, recreated, err := u.hasChanged()
		if err != nil || !changed {
			if u.lockCount > 0 && err == nil {
				u.lockedRefresh = true
			}
			return err
		}
		if !recreated {
			return nil
		}
		u.reset()
	}
	f, err := u.m.env.FS.OpenFile(u.path, vfs.O_RDWR, 0)
	switch {
	case err == nil:
		u.f = f
	case !errors.Is(err, fs.ErrNotExist):
		u.m.critical("open(%s) failed: %s", u.path, strerror(err))
		return err
	}
	return nil
}

// updateRead reads the file, or only its appended tail
// (maildir_uidlist_update_read): ret 1 read, 0 missing or broken (a broken
// file is unlinked), retry after ESTALE or a tail that failed to parse.
func (u *uidlist) updateRead(tryRetry bool) (ret int, retry bool, err error) {
	f, lastOff, ret, retry, err := u.takeFile(tryRetry)
	if f == nil {
		return ret, retry, err
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		if errors.Is(err, vfs.ErrStale) && tryRetry {
			return -1, true, nil
		}
		u.m.critical("fstat(%s) failed: %s", u.path, strerror(err))
		return -1, false, err
	}
	data, rerr := readAllFrom(f, lastOff)
	ret, retry = u.parse(data, lastOff, tryRetry)
	if rerr != nil {
		ret = -1
	}
	switch {
	case ret == 0:
		_ = u.m.env.FS.Remove(u.path) // broken: the next sync recreates it
		f.Close()
	case ret > 0:
		u.f, u.ino, u.size = f, vfs.StatOf(fi).Ino, fi.Size()
		u.lastReadOffset = lastOff + int64(len(data))
		u.updateHdr(fi)
	default:
		f.Close()
		u.lastReadOffset = 0
		if !retry && errors.Is(rerr, vfs.ErrStale) && tryRetry {
			return -1, true, nil
		}
		if !retry {
			u.m.critical("read(%s) failed: %s", u.path, strerror(rerr))
			return -1, false, rerr
		}
	}
	return ret, retry, nil
}

// takeFile opens the file, or takes the open one for a tail read.
func (u *uidlist) takeFile(tryRetry bool) (f vfs.File, lastOff int64, ret int, retry bool, err error) {
	if u.f == nil {
		f, err = u.m.env.FS.OpenFile(u.path, vfs.O_RDWR, 0)
		if errors.Is(err, fs.ErrNotExist) {
			return nil, 0, 0, false, nil
		}
		if err != nil {
			u.m.critical("open(%s) failed: %s", u.path, strerror(err))
			return nil, 0, -1, false, err
		}
		return f, 0, 0, false, nil
	}
	if _, err = u.f.Seek(0, io.SeekStart); err != nil {
		if errors.Is(err, vfs.ErrStale) && tryRetry {
			return nil, 0, -1, true, nil
		}
		u.m.critical("lseek(%s) failed: %s", u.path, strerror(err))
		return nil, 0, -1, false, err
	}
	f, lastOff = u.f, u.lastReadOffset
	u.f, u.ino, u.lastReadOffset = nil, 0, 0
	return f, lastOff, 0, false, nil
}

// parse applies the lines read from offset off.
func (u *uidlist) parse(data []byte, off int64, tryRetry bool) (ret int, retry bool) {
	lines := splitLines(data)
	origUV, origNext := u.uidValidity, u.nextUID
	if off == 0 {
		if len(lines) == 0 {
			return 0, false // empty file: broken
		}
		if ret = u.readHeader(lines[0]); ret <= 0 {
			return ret, false
		}
		lines = lines[1:]
	}
	ret = 1
	u.prevReadUID = 0
	u.changeCounter++
	u.retryRewind = off != 0 && tryRetry
	for _, line := range lines {
		u.readRecords++
		u.readLines++
		if !u.next(line) {
			ret, retry = 0, u.retryRewind
			if retry {
				ret = -1
			}
			break
		}
	}
	u.retryRewind = false
	u.finishRead(ret, origUV, origNext)
	return ret, retry
}

func (u *uidlist) finishRead(ret int, origUV, origNext uint32) {
	if u.unsorted {
		u.recreateOnChange = true
		u.sortRecords()
	}
	if u.nextUID <= u.prevReadUID {
		u.nextUID = u.prevReadUID + 1
	}
	switch {
	case ret > 0 && u.uidValidity != origUV && origUV != 0:
		u.recreate = true
	case ret > 0 && u.nextUID < origNext:
		u.m.critical("%s: next_uid was lowered (%d -> %d, hdr=%d)", u.path, origNext, u.nextUID, u.hdrNextUID)
		u.recreate = true
		u.nextUID = origNext
	}
}

// splitLines splits at LF; a last line without LF still counts (EOF).
func splitLines(data []byte) []string {
	var lines []string
	for len(data) > 0 {
		i := bytes.IndexByte(data, '\n')
		if i < 0 {
			lines = append(lines, string(data))
			break
		}
		lines = append(lines, string(data[:i]))
		data = data[i+1:]
	}
	return lines
}
