package memfs

import (
	"io/fs"
	"slices"
	"sync"
	"time"

	"github.com/nfsmail/nfsmail/vfs"
)

// FS is an in-memory POSIX file system shared by all its users, like one
// local disk. The zero value is not usable; call New.
type FS struct {
	mu      sync.Mutex
	cond    sync.Cond // signalled when a lock is released
	now     func() time.Time
	root    *inode
	nextIno uint64
}

var (
	_ vfs.FS        = (*FS)(nil)
	_ vfs.LinkFS    = (*FS)(nil)
	_ vfs.ChtimesFS = (*FS)(nil)
)

// New returns an empty file system whose timestamps come from now (the
// file server's clock). A nil now stamps every change with the Unix epoch.
func New(now func() time.Time) *FS {
	if now == nil {
		now = func() time.Time { return time.Unix(0, 0) }
	}
	f := &FS{now: now}
	f.cond.L = &f.mu
	f.root = f.newInode(fs.ModeDir|0o755, f.now())
	f.root.nlink = 2
	return f
}

func (f *FS) newInode(mode fs.FileMode, t time.Time) *inode {
	f.nextIno++
	n := &inode{ino: f.nextIno, mode: mode, nlink: 1, atime: t, mtime: t, ctime: t}
	if mode.IsDir() {
		n.children = make(map[string]*inode)
		n.nlink = 2
	}
	return n
}

func pathErr(op, name string, err error) error {
	return &fs.PathError{Op: op, Path: name, Err: err}
}

func linkErr(op, oldname, newname string, err error) error {
	return &vfs.LinkError{Op: op, Old: oldname, New: newname, Err: err}
}

// walk resolves path components from the root.
func (f *FS) walk(parts []string) (*inode, error) {
	n := f.root
	for _, p := range parts {
		if !n.isDir() {
			return nil, vfs.ErrNotDir
		}
		c, ok := n.children[p]
		if !ok {
			return nil, fs.ErrNotExist
		}
		n = c
	}
	return n, nil
}

func (f *FS) lookup(name string) (*inode, error) {
	parts, ok := splitPath(name)
	if !ok {
		return nil, fs.ErrInvalid
	}
	return f.walk(parts)
}

// lookupParent resolves the directory that holds name and name's last
// element. The root itself has no parent (fs.ErrInvalid).
func (f *FS) lookupParent(name string) (*inode, string, error) {
	parts, ok := splitPath(name)
	if !ok || len(parts) == 0 {
		return nil, "", fs.ErrInvalid
	}
	dir, err := f.walk(parts[:len(parts)-1])
	if err != nil {
		return nil, "", err
	}
	if !dir.isDir() {
		return nil, "", vfs.ErrNotDir
	}
	return dir, parts[len(parts)-1], nil
}

// Stat returns name's attributes (lstat; there are no symlinks).
func (f *FS) Stat(name string) (fs.FileInfo, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	n, err := f.lookup(name)
	if err != nil {
		return nil, pathErr("lstat", name, err)
	}
	return n.info(baseName(name)), nil
}

// ReadDir lists a directory sorted by name and updates its atime.
func (f *FS) ReadDir(name string) ([]fs.DirEntry, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	n, err := f.lookup(name)
	if err == nil && !n.isDir() {
		err = vfs.ErrNotDir
	}
	if err != nil {
		return nil, pathErr("readdir", name, err)
	}
	names := make([]string, 0, len(n.children))
	for c := range n.children {
		names = append(names, c)
	}
	slices.Sort(names)
	out := make([]fs.DirEntry, len(names))
	for i, c := range names {
		out[i] = fs.FileInfoToDirEntry(n.children[c].info(c))
	}
	n.atime = f.now()
	return out, nil
}

// Mkdir creates one directory.
func (f *FS) Mkdir(name string, perm fs.FileMode) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if name == "." {
		return pathErr("mkdir", name, fs.ErrExist)
	}
	dir, base, err := f.lookupParent(name)
	if err == nil && dir.children[base] != nil {
		err = fs.ErrExist
	}
	if err != nil {
		return pathErr("mkdir", name, err)
	}
	now := f.now()
	d := f.newInode(fs.ModeDir|perm.Perm(), now)
	d.parent = dir
	dir.children[base] = d
	dir.nlink++
	dir.touchMod(now)
	return nil
}

// Remove unlinks a file or removes an empty directory (vfs.ErrNotEmpty
// otherwise). Open files of an unlinked inode stay usable.
func (f *FS) Remove(name string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	dir, base, err := f.lookupParent(name)
	var n *inode
	if err == nil {
		if n = dir.children[base]; n == nil {
			err = fs.ErrNotExist
		} else if n.isDir() && len(n.children) > 0 {
			err = vfs.ErrNotEmpty
		}
	}
	if err != nil {
		return pathErr("remove", name, err)
	}
	now := f.now()
	delete(dir.children, base)
	if n.isDir() {
		dir.nlink--
		n.nlink = 0
	} else {
		n.nlink--
	}
	n.ctime = now
	dir.touchMod(now)
	return nil
}

// Link creates newname as another name of the file oldname.
func (f *FS) Link(oldname, newname string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	n, err := f.lookup(oldname)
	if err == nil && n.isDir() {
		err = fs.ErrPermission
	}
	var dir *inode
	var base string
	if err == nil {
		dir, base, err = f.lookupParent(newname)
	}
	if err == nil && dir.children[base] != nil {
		err = fs.ErrExist
	}
	if err != nil {
		return linkErr("link", oldname, newname, err)
	}
	now := f.now()
	dir.children[base] = n
	n.nlink++
	n.ctime = now
	dir.touchMod(now)
	return nil
}

// Chtimes sets atime and mtime; ctime becomes the server's now.
func (f *FS) Chtimes(name string, atime, mtime time.Time) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	n, err := f.lookup(name)
	if err != nil {
		return pathErr("chtimes", name, err)
	}
	n.atime, n.mtime, n.ctime = atime, mtime, f.now()
	return nil
}
