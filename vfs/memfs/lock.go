package memfs

import (
	"io/fs"

	"github.com/nfsmail/nfsmail/vfs"
)

// Lock takes, converts or drops a whole-file advisory lock owned by this
// open file. Every user of the same FS sees the lock, as on one local host.
// A read lock needs a readable file, a write lock a writable one (EBADF,
// reported as fs.ErrPermission). With wait the caller blocks until no other
// owner conflicts; memfs does not detect deadlocks.
func (fl *file) Lock(typ vfs.LockType, wait bool) error {
	fl.fs.mu.Lock()
	defer fl.fs.mu.Unlock()
	if err := fl.check("fcntl", false, false); err != nil {
		return err
	}
	switch typ {
	case vfs.Unlock:
		if _, ok := fl.n.locks[fl]; ok {
			delete(fl.n.locks, fl)
			fl.fs.cond.Broadcast()
		}
		return nil
	case vfs.ReadLock:
		if !fl.readable() {
			return pathErr("fcntl", fl.name, fs.ErrPermission)
		}
	case vfs.WriteLock:
		if !fl.writable() {
			return pathErr("fcntl", fl.name, fs.ErrPermission)
		}
	default:
		return pathErr("fcntl", fl.name, fs.ErrInvalid)
	}
	for fl.conflicts(typ) {
		if !wait {
			return pathErr("fcntl", fl.name, vfs.ErrWouldBlock)
		}
		fl.fs.cond.Wait()
		if fl.closed {
			return pathErr("fcntl", fl.name, fs.ErrClosed)
		}
	}
	if fl.n.locks == nil {
		fl.n.locks = make(map[*file]vfs.LockType)
	}
	if old := fl.n.locks[fl]; old == vfs.WriteLock && typ == vfs.ReadLock {
		fl.fs.cond.Broadcast() // a downgrade may admit readers
	}
	fl.n.locks[fl] = typ
	return nil
}

// conflicts reports whether another owner's lock blocks typ.
func (fl *file) conflicts(typ vfs.LockType) bool {
	for owner, held := range fl.n.locks {
		if owner != fl && (typ == vfs.WriteLock || held == vfs.WriteLock) {
			return true
		}
	}
	return false
}
