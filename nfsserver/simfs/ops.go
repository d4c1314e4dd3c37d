package simfs

import (
	"io/fs"
	"strings"

	"github.com/nfsmail/nfsmail/vfs"
)

// Lookup returns the inode named name in directory dir ("." is dir itself,
// ".." its parent; the root is its own parent).
func (f *FS) Lookup(dir Ino, name string) (Ino, Attr, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	d, err := f.dir("lookup", dir)
	if err != nil {
		return 0, Attr{}, err
	}
	switch name {
	case ".":
		return d.ino, d.attr(), nil
	case "..":
		if len(d.links) > 0 {
			d = d.links[0].dir
		}
		return d.ino, d.attr(), nil
	}
	n, err := f.child("lookup", d, name)
	if err != nil {
		return 0, Attr{}, err
	}
	return n.ino, n.attr(), nil
}

// GetAttr returns the attributes of a live inode; vfs.ErrStale once its
// last name is gone.
func (f *FS) GetAttr(ino Ino) (Attr, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	n, err := f.get("getattr", ino)
	if err != nil {
		return Attr{}, err
	}
	return n.attr(), nil
}

// Create makes an empty regular file name in dir. If name exists, excl
// true fails with fs.ErrExist; excl false returns the existing file
// unchanged (vfs.ErrIsDir if it is a directory, fs.ErrExist for others).
func (f *FS) Create(dir Ino, name string, mode fs.FileMode, excl bool) (Attr, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	n, err := f.create(dir, name, mode, excl)
	if err != nil {
		return Attr{}, err
	}
	return n.attr(), nil
}

func (f *FS) create(dir Ino, name string, mode fs.FileMode, excl bool) (*inode, error) {
	d, err := f.dir("create", dir)
	if err != nil {
		return nil, err
	}
	if err := checkName("create", dir, name); err != nil {
		return nil, err
	}
	if e, ok := d.entries[name]; ok {
		switch {
		case excl:
			return nil, inoErr("create", dir, name, fs.ErrExist)
		case e.n.typ == TypeDir:
			return nil, inoErr("create", dir, name, vfs.ErrIsDir)
		case e.n.typ != TypeRegular:
			return nil, inoErr("create", dir, name, fs.ErrExist)
		}
		return e.n, nil
	}
	n := f.alloc(TypeRegular, mode)
	f.addEntry(d, name, n)
	return n, nil
}

// Mkdir makes directory name in dir; fs.ErrExist if name exists.
func (f *FS) Mkdir(dir Ino, name string, mode fs.FileMode) (Attr, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	n, err := f.mkdir(dir, name, mode)
	if err != nil {
		return Attr{}, err
	}
	return n.attr(), nil
}

func (f *FS) mkdir(dir Ino, name string, mode fs.FileMode) (*inode, error) {
	d, err := f.newName("mkdir", dir, name)
	if err != nil {
		return nil, err
	}
	n := f.alloc(TypeDir, mode)
	f.addEntry(d, name, n)
	return n, nil
}

// Symlink makes a symbolic link name in dir pointing at target. The store
// never follows symlinks (NFS clients resolve them).
func (f *FS) Symlink(dir Ino, name, target string) (Attr, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	n, err := f.symlink(dir, name, target)
	if err != nil {
		return Attr{}, err
	}
	return n.attr(), nil
}

func (f *FS) symlink(dir Ino, name, target string) (*inode, error) {
	d, err := f.newName("symlink", dir, name)
	if err != nil {
		return nil, err
	}
	n := f.alloc(TypeSymlink, 0o777)
	n.target = target
	f.addEntry(d, name, n)
	return n, nil
}

// Readlink returns a symlink's target; fs.ErrInvalid for other types.
func (f *FS) Readlink(ino Ino) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	n, err := f.get("readlink", ino)
	if err != nil {
		return "", err
	}
	if n.typ != TypeSymlink {
		return "", inoErr("readlink", ino, "", fs.ErrInvalid)
	}
	return n.target, nil
}

// newName returns directory dir after checking that name is free in it.
func (f *FS) newName(op string, dir Ino, name string) (*inode, error) {
	d, err := f.dir(op, dir)
	if err != nil {
		return nil, err
	}
	if err := checkName(op, dir, name); err != nil {
		return nil, err
	}
	if _, ok := d.entries[name]; ok {
		return nil, inoErr(op, dir, name, fs.ErrExist)
	}
	return d, nil
}

// Link makes name in dir another name of ino (link(2)): fs.ErrExist if
// name exists, fs.ErrPermission if ino is a directory. The inode's nlink
// and ctime change, and the directory's mtime and ctime.
func (f *FS) Link(ino, dir Ino, name string) (Attr, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	n, err := f.link(ino, dir, name)
	if err != nil {
		return Attr{}, err
	}
	return n.attr(), nil
}

func (f *FS) link(ino, dir Ino, name string) (*inode, error) {
	n, err := f.get("link", ino)
	if err != nil {
		return nil, err
	}
	d, err := f.newName("link", dir, name)
	if err != nil {
		return nil, err
	}
	if n.typ == TypeDir {
		return nil, inoErr("link", ino, "", fs.ErrPermission)
	}
	f.addEntry(d, name, n)
	n.ctime = f.now()
	return n, nil
}

// Remove unlinks the non-directory name from dir (unlink(2)); vfs.ErrIsDir
// for a directory. The inode dies when its last name goes.
func (f *FS) Remove(dir Ino, name string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.remove(dir, name)
}

func (f *FS) remove(dir Ino, name string) error {
	d, err := f.dir("remove", dir)
	if err != nil {
		return err
	}
	n, err := f.child("remove", d, name)
	if err != nil {
		return err
	}
	if n.typ == TypeDir {
		return inoErr("remove", dir, name, vfs.ErrIsDir)
	}
	f.dropEntry(d, name)
	return nil
}

// Rmdir removes the empty directory name from dir (rmdir(2)):
// vfs.ErrNotDir for other types, vfs.ErrNotEmpty if it has entries.
func (f *FS) Rmdir(dir Ino, name string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.rmdir(dir, name)
}

func (f *FS) rmdir(dir Ino, name string) error {
	d, err := f.dir("rmdir", dir)
	if err != nil {
		return err
	}
	n, err := f.child("rmdir", d, name)
	if err != nil {
		return err
	}
	if n.typ != TypeDir {
		return inoErr("rmdir", dir, name, vfs.ErrNotDir)
	}
	if len(n.entries) > 0 {
		return inoErr("rmdir", dir, name, vfs.ErrNotEmpty)
	}
	f.dropEntry(d, name)
	return nil
}

// DirEntry is one entry of a ReadDir listing.
type DirEntry struct {
	Name string
	// Cookie is the entry's position: fixed when the name is linked into
	// the directory (rename gives it a new one) and increasing, so a
	// listing resumed from a cookie neither repeats nor skips surviving
	// entries even if others were added or removed meanwhile.
	Cookie uint64
	Attr   Attr
}

// ReadDir lists directory dir from after cookie (0: from the start) in
// cookie order, at most max entries (max <= 0: all). eof reports that the
// listing reached the end. "." and ".." are not listed.
func (f *FS) ReadDir(dir Ino, cookie uint64, max int) (ents []DirEntry, eof bool, err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	d, err := f.dir("readdir", dir)
	if err != nil {
		return nil, false, err
	}
	ents, eof = d.after(cookie, max)
	return ents, eof, nil
}

// PathOf returns a current path of a live inode, slash-separated and
// relative to the root ("." for the root). A file with several names
// reports its oldest surviving name.
func (f *FS) PathOf(ino Ino) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	n, err := f.get("pathof", ino)
	if err != nil {
		return "", err
	}
	return n.path(), nil
}

func (n *inode) path() string {
	var parts []string
	for len(n.links) > 0 {
		parts = append(parts, n.links[0].name)
		n = n.links[0].dir
	}
	if len(parts) == 0 {
		return "."
	}
	for i, j := 0, len(parts)-1; i < j; i, j = i+1, j-1 {
		parts[i], parts[j] = parts[j], parts[i]
	}
	return strings.Join(parts, "/")
}

// Usage returns the bytes stored in regular files and symlinks and the
// number of live inodes.
func (f *FS) Usage() (bytes int64, inodes int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, n := range f.inodes {
		bytes += int64(len(n.data) + len(n.target))
	}
	return bytes, len(f.inodes)
}
