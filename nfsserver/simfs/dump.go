package simfs

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/willscott/go-nfs/file"
)

// WriteTo writes the tree into the existing directory dir as ordinary
// files, directories and symlinks, with the stored permission bits, atime
// and mtime (ctime cannot be set). A file with several names becomes real
// hard links (os.Link); where linking fails (another device, a file system
// without links) the extra names become copies. Entries are written in
// name order. The store is locked while it is written.
func (f *FS) WriteTo(dir string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	w := dumper{written: make(map[Ino]string)}
	if err := w.dir(f.root, dir); err != nil {
		return fmt.Errorf("simfs: write to %s: %w", dir, err)
	}
	return nil
}

type dumper struct {
	written map[Ino]string // first path each multi-link file went to
}

func (w *dumper) dir(d *inode, dst string) error {
	for _, name := range sortedNames(d) {
		if err := w.node(d.entries[name].n, filepath.Join(dst, name)); err != nil {
			return err
		}
	}
	if err := os.Chmod(dst, d.mode|0o700); err != nil {
		return err
	}
	return os.Chtimes(dst, d.atime, d.mtime)
}

func (w *dumper) node(n *inode, dst string) error {
	switch n.typ {
	case TypeDir:
		if err := os.Mkdir(dst, 0o700); err != nil {
			return err
		}
		return w.dir(n, dst)
	case TypeSymlink:
		return os.Symlink(n.target, dst)
	}
	if first, ok := w.written[n.ino]; ok && os.Link(first, dst) == nil {
		return nil
	}
	if err := os.WriteFile(dst, n.data, 0o600); err != nil {
		return err
	}
	if n.nlink > 1 {
		if _, ok := w.written[n.ino]; !ok {
			w.written[n.ino] = dst
		}
	}
	if err := os.Chmod(dst, n.mode); err != nil {
		return err
	}
	return os.Chtimes(dst, n.atime, n.mtime)
}

// Load reads the directory tree at dir into a new store made with opts.
// Regular files, directories and symlinks are copied with their permission
// bits, atime (taken as mtime) and mtime; ctime is set to mtime. Files that
// share an inode on disk become hard links. Inode numbers are assigned in
// name order, so loading the same tree twice gives the same store.
func Load(dir string, opts Options) (*FS, error) {
	f := New(opts)
	l := loader{f: f, seen: make(map[uint64]*inode)}
	if err := l.dir(f.root, dir); err != nil {
		return nil, fmt.Errorf("simfs: load %s: %w", dir, err)
	}
	return f, nil
}

type loader struct {
	f    *FS
	seen map[uint64]*inode // on-disk inode number -> store inode
}

func (l *loader) dir(d *inode, src string) error {
	ents, err := os.ReadDir(src)
	if err != nil {
		return err
	}
	for _, e := range ents {
		if err := l.node(d, e.Name(), filepath.Join(src, e.Name())); err != nil {
			return err
		}
	}
	fi, err := os.Stat(src)
	if err != nil {
		return err
	}
	l.stamp(d, fi)
	return nil
}

func (l *loader) node(d *inode, name, src string) error {
	fi, err := os.Lstat(src)
	if err != nil {
		return err
	}
	info := file.GetInfo(fi)
	if info != nil && info.Nlink > 1 && !fi.IsDir() {
		if n, ok := l.seen[info.Fileid]; ok {
			l.f.addEntry(d, name, n)
			return nil
		}
	}
	n, err := l.make(d, name, src, fi)
	if err != nil {
		return err
	}
	if info != nil && info.Nlink > 1 && !fi.IsDir() {
		l.seen[info.Fileid] = n
	}
	return nil
}

// make creates the store object for src.
func (l *loader) make(d *inode, name, src string, fi fs.FileInfo) (*inode, error) {
	var n *inode
	switch {
	case fi.IsDir():
		n = l.f.alloc(TypeDir, fi.Mode())
		l.f.addEntry(d, name, n)
		return n, l.dir(n, src)
	case fi.Mode()&fs.ModeSymlink != 0:
		target, err := os.Readlink(src)
		if err != nil {
			return nil, err
		}
		n = l.f.alloc(TypeSymlink, 0o777)
		n.target = target
	case fi.Mode().IsRegular():
		data, err := os.ReadFile(src)
		if err != nil {
			return nil, err
		}
		n = l.f.alloc(TypeRegular, fi.Mode())
		n.data = data
	default:
		return nil, &fs.PathError{Op: "load", Path: src, Err: fs.ErrInvalid}
	}
	l.f.addEntry(d, name, n)
	l.stamp(n, fi)
	return n, nil
}

// stamp copies the on-disk mtime to all of n's times.
func (l *loader) stamp(n *inode, fi fs.FileInfo) {
	t := l.f.truncate(fi.ModTime())
	n.atime, n.mtime, n.ctime = t, t, t
}
