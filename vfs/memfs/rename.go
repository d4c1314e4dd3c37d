package memfs

import (
	"io/fs"

	"github.com/nfsmail/nfsmail/vfs"
)

// Rename atomically replaces newname with oldname, with rename(2)'s rules:
// a file may replace a file, a directory only an empty directory; renaming
// a name onto another name of the same inode does nothing; a directory
// cannot move below itself, and nothing may replace one of its own
// ancestors (vfs.ErrNotEmpty, as on Linux).
func (f *FS) Rename(oldname, newname string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	odir, obase, ndir, nbase, err := f.renameCheck(oldname, newname)
	if err != nil {
		return linkErr("rename", oldname, newname, err)
	}
	n := odir.children[obase]
	target := ndir.children[nbase]
	if target == n {
		return nil
	}
	now := f.now()
	if target != nil {
		if target.isDir() {
			ndir.nlink--
			target.nlink = 0
		} else {
			target.nlink--
		}
		target.ctime = now
	}
	delete(odir.children, obase)
	ndir.children[nbase] = n
	if n.isDir() && odir != ndir {
		odir.nlink--
		ndir.nlink++
		n.parent = ndir
	}
	n.ctime = now
	odir.touchMod(now)
	ndir.touchMod(now)
	return nil
}

// renameCheck resolves both names and applies rename(2)'s error rules.
func (f *FS) renameCheck(oldname, newname string) (odir *inode, obase string, ndir *inode, nbase string, err error) {
	// Both parents are resolved before either last component, as
	// rename(2) does: a bad new parent is ENOTDIR even if oldname is missing.
	if odir, obase, err = f.lookupParent(oldname); err != nil {
		return
	}
	if ndir, nbase, err = f.lookupParent(newname); err != nil {
		return
	}
	n := odir.children[obase]
	if n == nil {
		err = fs.ErrNotExist
		return
	}
	if n.isDir() && n.isAncestorOf(ndir) {
		err = fs.ErrInvalid
		return
	}
	target := ndir.children[nbase]
	switch {
	case target != nil && target.isAncestorOf(odir):
		// The target is the source's parent or above: Linux reports
		// ENOTEMPTY before it compares types.
		err = vfs.ErrNotEmpty
	case target == nil || target == n:
	case target.isDir() && !n.isDir():
		err = vfs.ErrIsDir
	case target.isDir() && len(target.children) > 0:
		err = vfs.ErrNotEmpty
	case !target.isDir() && n.isDir():
		err = vfs.ErrNotDir
	}
	return
}
