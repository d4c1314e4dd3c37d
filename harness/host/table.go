package host

import (
	"io/fs"
	"path"
	"slices"
	"strings"
	"time"

	"github.com/nfsmail/nfsmail/vfs"
)

// Table is a host's mount table: the NFS mount at the root and host-local
// file systems (tmpfs for VOLATILEDIR, LISTINDEX, index directories) under
// path prefixes. A rename or link across two entries fails with EXDEV.
type Table struct {
	entries []mountEntry // longest prefix first
}

type mountEntry struct {
	prefix string // "" is the root
	fs     vfs.FS
}

var (
	_ vfs.LinkFS    = (*Table)(nil)
	_ vfs.ChtimesFS = (*Table)(nil)
)

// NewTable returns a table with root mounted at the top.
func NewTable(root vfs.FS) *Table {
	return &Table{entries: []mountEntry{{fs: root}}}
}

// Mount serves paths under prefix (e.g. "dev/shm") from fsys; a path
// "dev/shm/x" reaches fsys as "x".
func (t *Table) Mount(prefix string, fsys vfs.FS) {
	prefix = strings.Trim(path.Clean("/"+prefix), "/")
	t.entries = append(t.entries, mountEntry{prefix: prefix, fs: fsys})
	slices.SortStableFunc(t.entries, func(a, b mountEntry) int { return len(b.prefix) - len(a.prefix) })
}

// Root returns the file system mounted at the top.
func (t *Table) Root() vfs.FS { return t.entries[len(t.entries)-1].fs }

func (t *Table) resolve(name string) (*mountEntry, string) {
	clean := strings.Trim(path.Clean("/"+name), "/")
	for i := range t.entries {
		e := &t.entries[i]
		switch {
		case e.prefix == "":
			return e, orDot(clean)
		case clean == e.prefix:
			return e, "."
		case strings.HasPrefix(clean, e.prefix+"/"):
			return e, clean[len(e.prefix)+1:]
		}
	}
	panic("harness internal error: mount table without a root")
}

func orDot(s string) string {
	if s == "" {
		return "."
	}
	return s
}

func (t *Table) OpenFile(name string, flag int, perm fs.FileMode) (vfs.File, error) {
	e, rel := t.resolve(name)
	return e.fs.OpenFile(rel, flag, perm)
}

func (t *Table) Stat(name string) (fs.FileInfo, error) {
	e, rel := t.resolve(name)
	return e.fs.Stat(rel)
}

func (t *Table) ReadDir(name string) ([]fs.DirEntry, error) {
	e, rel := t.resolve(name)
	return e.fs.ReadDir(rel)
}

func (t *Table) Mkdir(name string, perm fs.FileMode) error {
	e, rel := t.resolve(name)
	return e.fs.Mkdir(rel, perm)
}

func (t *Table) Remove(name string) error {
	e, rel := t.resolve(name)
	return e.fs.Remove(rel)
}

func (t *Table) Rename(oldname, newname string) error {
	e1, r1 := t.resolve(oldname)
	e2, r2 := t.resolve(newname)
	if e1 != e2 {
		return &vfs.LinkError{Op: "rename", Old: oldname, New: newname, Err: vfs.ErrCrossDevice}
	}
	return e1.fs.Rename(r1, r2)
}

func (t *Table) Link(oldname, newname string) error {
	e1, r1 := t.resolve(oldname)
	e2, r2 := t.resolve(newname)
	if e1 != e2 {
		return &vfs.LinkError{Op: "link", Old: oldname, New: newname, Err: vfs.ErrCrossDevice}
	}
	return vfs.Link(e1.fs, r1, r2)
}

func (t *Table) Chtimes(name string, atime, mtime time.Time) error {
	e, rel := t.resolve(name)
	return vfs.Chtimes(e.fs, rel, atime, mtime)
}

// readOnly refuses every change: the bare mount-point directory of an NFS
// mount that did not happen, when it is not writable for the mail user.
type readOnly struct{ vfs.FS }

// ReadOnly wraps fsys so that every change fails with vfs.ErrReadOnly.
func ReadOnly(fsys vfs.FS) vfs.FS { return readOnly{fsys} }

func (r readOnly) OpenFile(name string, flag int, perm fs.FileMode) (vfs.File, error) {
	if flag&(vfs.O_WRONLY|vfs.O_RDWR|vfs.O_CREATE|vfs.O_TRUNC) != 0 {
		return nil, &fs.PathError{Op: "open", Path: name, Err: vfs.ErrReadOnly}
	}
	return r.FS.OpenFile(name, flag, perm)
}

func (r readOnly) Mkdir(name string, _ fs.FileMode) error {
	return &fs.PathError{Op: "mkdir", Path: name, Err: vfs.ErrReadOnly}
}

func (r readOnly) Remove(name string) error {
	return &fs.PathError{Op: "unlink", Path: name, Err: vfs.ErrReadOnly}
}

func (r readOnly) Rename(oldname, newname string) error {
	return &vfs.LinkError{Op: "rename", Old: oldname, New: newname, Err: vfs.ErrReadOnly}
}
