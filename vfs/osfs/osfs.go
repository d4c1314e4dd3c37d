package osfs

import (
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/nfsmail/nfsmail/vfs"
)

// FS is a directory of the host's file system.
type FS struct{ root string }

var (
	_ vfs.LinkFS    = (*FS)(nil)
	_ vfs.ChtimesFS = (*FS)(nil)
)

// New returns the file system rooted at dir.
func New(dir string) *FS { return &FS{root: dir} }

// path confines name to the root: cleaning "/"+name cannot climb above it.
func (f *FS) path(name string) (string, error) {
	return filepath.Join(f.root, filepath.Clean("/"+name)), nil
}

// OpenFile implements vfs.FS.
func (f *FS) OpenFile(name string, flag int, perm fs.FileMode) (vfs.File, error) {
	p, err := f.path(name)
	if err != nil {
		return nil, &fs.PathError{Op: "open", Path: name, Err: err}
	}
	of, err := os.OpenFile(p, flag, perm)
	if err != nil {
		return nil, mapErr(err)
	}
	return &file{File: of, name: name}, nil
}

// Stat implements vfs.FS (lstat).
func (f *FS) Stat(name string) (fs.FileInfo, error) {
	p, err := f.path(name)
	if err != nil {
		return nil, &fs.PathError{Op: "stat", Path: name, Err: err}
	}
	fi, err := os.Lstat(p)
	if err != nil {
		return nil, mapErr(err)
	}
	return info{fi}, nil
}

// ReadDir implements vfs.FS.
func (f *FS) ReadDir(name string) ([]fs.DirEntry, error) {
	p, err := f.path(name)
	if err != nil {
		return nil, &fs.PathError{Op: "readdir", Path: name, Err: err}
	}
	ents, err := os.ReadDir(p)
	if err != nil {
		return nil, mapErr(err)
	}
	out := make([]fs.DirEntry, len(ents))
	for i, e := range ents {
		out[i] = entry{e}
	}
	slices.SortFunc(out, func(a, b fs.DirEntry) int { return strings.Compare(a.Name(), b.Name()) })
	return out, nil
}

// Mkdir implements vfs.FS.
func (f *FS) Mkdir(name string, perm fs.FileMode) error {
	return f.do("mkdir", name, func(p string) error { return os.Mkdir(p, perm) })
}

// Remove implements vfs.FS.
func (f *FS) Remove(name string) error {
	return f.do("remove", name, os.Remove)
}

// Rename implements vfs.FS.
func (f *FS) Rename(oldname, newname string) error {
	return f.two("rename", oldname, newname, func(a, b string) error { return syscall.Rename(a, b) })
}

// Link implements vfs.LinkFS.
func (f *FS) Link(oldname, newname string) error {
	return f.two("link", oldname, newname, os.Link)
}

// Chtimes implements vfs.ChtimesFS.
func (f *FS) Chtimes(name string, atime, mtime time.Time) error {
	return f.do("chtimes", name, func(p string) error { return os.Chtimes(p, atime, mtime) })
}

func (f *FS) do(op, name string, fn func(p string) error) error {
	p, err := f.path(name)
	if err == nil {
		err = fn(p)
	}
	if err != nil {
		return &fs.PathError{Op: op, Path: name, Err: errnoErr(err)}
	}
	return nil
}

func (f *FS) two(op, a, b string, fn func(a, b string) error) error {
	pa, err := f.path(a)
	if err != nil {
		return &vfs.LinkError{Op: op, Old: a, New: b, Err: err}
	}
	pb, err := f.path(b)
	if err == nil {
		err = fn(pa, pb)
	}
	if err != nil {
		return &vfs.LinkError{Op: op, Old: a, New: b, Err: errnoErr(err)}
	}
	return nil
}
