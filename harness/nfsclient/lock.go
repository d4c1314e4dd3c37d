package nfsclient

import (
	"io/fs"
	"time"

	"github.com/nfsmail/nfsmail/nfs3"
	"github.com/nfsmail/nfsmail/vfs"
)

// lockPoll is how long a blocked lock request waits before trying again.
const lockPoll = 100 * time.Millisecond

// lockTable holds the host-local locks of a nolock mount: whole-file
// fcntl locks keyed by file handle, owned by open files.
type lockTable struct {
	held map[string]map[*file]vfs.LockType
}

func (t *lockTable) conflict(ino *inode, f *file, typ vfs.LockType) bool {
	for owner, held := range t.held[string(ino.fh)] {
		if owner != f && (typ == vfs.WriteLock || held == vfs.WriteLock) {
			return true
		}
	}
	return false
}

func (t *lockTable) set(f *file, typ vfs.LockType) {
	if t.held == nil {
		t.held = map[string]map[*file]vfs.LockType{}
	}
	k := string(f.ino.fh)
	if typ == vfs.Unlock {
		delete(t.held[k], f)
		return
	}
	if t.held[k] == nil {
		t.held[k] = map[*file]vfs.LockType{}
	}
	t.held[k][f] = typ
}

func (t *lockTable) release(f *file) { t.set(f, vfs.Unlock) }

var _ vfs.Locker = (*file)(nil)

// Lock takes a whole-file advisory lock. Before the request dirty data is
// written back; after a lock is granted every cached attribute and page of
// the file is dropped, so the next read sees the server's data. With nolock
// the lock excludes only processes on this host: other hosts never see it.
// Otherwise the server's NLM service arbitrates between all hosts.
func (f *file) Lock(typ vfs.LockType, wait bool) error {
	if err := f.check("fcntl"); err != nil {
		return err
	}
	f.m.begin()
	if err := f.m.flush(f.ino, nfs3.Unstable); err != nil {
		return pathErr("fcntl", f.name, err)
	}
	var err error
	if f.m.opts.NoLock {
		err = f.localLock(typ, wait)
	} else {
		err = f.nlmLock(typ, wait)
	}
	if err != nil {
		return pathErr("fcntl", f.name, err)
	}
	f.locks = typ != vfs.Unlock
	if typ != vfs.Unlock {
		f.ino.attrAt = never
		if len(f.ino.wbuf) == 0 {
			f.ino.dropData()
		}
	}
	return nil
}

func (f *file) localLock(typ vfs.LockType, wait bool) error {
	for typ != vfs.Unlock && f.m.locks.conflict(f.ino, f, typ) {
		if !wait {
			return vfs.ErrWouldBlock
		}
		f.m.clock.Sleep(lockPoll)
		if f.closed {
			return fs.ErrClosed
		}
	}
	f.m.locks.set(f, typ)
	return nil
}

// unlockAll releases f's locks when it is closed.
func (f *file) unlockAll() {
	if f.m.opts.NoLock {
		f.m.locks.release(f)
		return
	}
	f.m.nlmCall(f, vfs.Unlock, false, false)
	f.m.nlmGranted(f, vfs.Unlock)
}
