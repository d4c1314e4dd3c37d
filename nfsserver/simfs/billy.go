package simfs

import (
	"fmt"
	"io/fs"
	"os"
	"path"
	"strings"
	"time"

	billy "github.com/go-git/go-billy/v5"
	"github.com/nfsmail/nfsmail/vfs"
)

// Billy is the path-based go-billy view of a store, as go-nfs serves it.
// Paths are slash-separated; "", "." and "/" name the root, a leading "/"
// is ignored. Symlinks are never followed (Stat equals Lstat), which is
// what an NFS server's LOOKUP does. Besides billy.Filesystem it implements
// billy.Change and go-nfs's nfs.UnixChange (Link works; Mknod, Mkfifo and
// Socket fail with vfs.ErrUnsupported). Errors are *fs.PathError or
// *os.LinkError wrapping the sentinels directly, so os.IsNotExist works.
type Billy struct {
	fs *FS
}

// Billy returns the go-billy adapter of f. Every call returns the same
// value.
func (f *FS) Billy() *Billy { return f.billy }

var (
	_ billy.Filesystem = (*Billy)(nil)
	_ billy.Change     = (*Billy)(nil)
	_ billy.Capable    = (*Billy)(nil)
)

// split cleans p into path components (nil for the root).
func split(p string) []string {
	p = path.Clean("/" + p)
	if p == "/" {
		return nil
	}
	return strings.Split(p[1:], "/")
}

// walk resolves components without following symlinks. Caller holds f.mu.
func (f *FS) walk(op string, parts []string) (*inode, error) {
	n := f.root
	for i, name := range parts {
		if n.typ != TypeDir {
			return nil, pathErr(op, parts[:i], vfs.ErrNotDir)
		}
		e, ok := n.entries[name]
		if !ok {
			return nil, pathErr(op, parts[:i+1], fs.ErrNotExist)
		}
		n = e.n
	}
	return n, nil
}

// parent resolves the directory holding the last component of p.
func (f *FS) parent(op, p string) (d *inode, name string, err error) {
	parts := split(p)
	if len(parts) == 0 {
		return nil, "", &fs.PathError{Op: op, Path: p, Err: fs.ErrInvalid}
	}
	d, err = f.walk(op, parts[:len(parts)-1])
	if err != nil {
		return nil, "", err
	}
	if d.typ != TypeDir {
		return nil, "", &fs.PathError{Op: op, Path: p, Err: vfs.ErrNotDir}
	}
	return d, parts[len(parts)-1], nil
}

// Resolve returns the attributes of the object at path p (see Billy for
// the path syntax). Symlinks are not followed.
func (f *FS) Resolve(p string) (Attr, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	n, err := f.walk("resolve", split(p))
	if err != nil {
		return Attr{}, err
	}
	return n.attr(), nil
}

// locked runs fn under the store's mutex.
func (b *Billy) locked(fn func(f *FS) error) error {
	b.fs.mu.Lock()
	defer b.fs.mu.Unlock()
	return fn(b.fs)
}

func pathErr(op string, parts []string, err error) error {
	return &fs.PathError{Op: op, Path: strings.Join(parts, "/"), Err: err}
}

// rePath rewrites an ino-level error to name path p, keeping the sentinel.
func rePath(op, p string, err error) error {
	if pe, ok := err.(*fs.PathError); ok {
		return &fs.PathError{Op: op, Path: p, Err: pe.Err}
	}
	return &fs.PathError{Op: op, Path: p, Err: err}
}

// Stat returns the attributes of p without following symlinks.
func (b *Billy) Stat(p string) (os.FileInfo, error) { return b.Lstat(p) }

// Lstat returns the attributes of p.
func (b *Billy) Lstat(p string) (os.FileInfo, error) {
	a, err := b.fs.Resolve(p)
	if err != nil {
		return nil, rePath("lstat", p, err)
	}
	return a.Info(path.Base(path.Clean("/" + p))), nil
}

// Join joins path elements.
func (b *Billy) Join(elem ...string) string { return path.Join(elem...) }

// Rename renames oldpath to newpath (see FS.Rename).
func (b *Billy) Rename(oldpath, newpath string) error {
	err := b.locked(func(f *FS) error {
		od, oname, err := f.parent("rename", oldpath)
		if err != nil {
			return err
		}
		nd, nname, err := f.parent("rename", newpath)
		if err != nil {
			return err
		}
		return f.rename(od.ino, oname, nd.ino, nname)
	})
	if err != nil {
		return &os.LinkError{Op: "rename", Old: oldpath, New: newpath, Err: sentinel(err)}
	}
	return nil
}

// Remove unlinks a file or removes an empty directory.
func (b *Billy) Remove(p string) error {
	err := b.locked(func(f *FS) error {
		d, name, err := f.parent("remove", p)
		if err != nil {
			return err
		}
		n, err := f.child("remove", d, name)
		if err != nil {
			return err
		}
		if n.typ == TypeDir {
			return f.rmdir(d.ino, name)
		}
		return f.remove(d.ino, name)
	})
	if err != nil {
		return rePath("remove", p, err)
	}
	return nil
}

// sentinel unwraps a PathError to its sentinel.
func sentinel(err error) error {
	if pe, ok := err.(*fs.PathError); ok {
		return pe.Err
	}
	return err
}

// ReadDir lists p sorted by name.
func (b *Billy) ReadDir(p string) ([]os.FileInfo, error) {
	f := b.fs
	f.mu.Lock()
	defer f.mu.Unlock()
	d, err := f.walk("readdir", split(p))
	if err != nil {
		return nil, rePath("readdir", p, err)
	}
	if d.typ != TypeDir {
		return nil, &fs.PathError{Op: "readdir", Path: p, Err: vfs.ErrNotDir}
	}
	names := sortedNames(d)
	infos := make([]os.FileInfo, len(names))
	for i, name := range names {
		infos[i] = d.entries[name].n.attr().Info(name)
	}
	return infos, nil
}

// MkdirAll creates p and missing parents; vfs.ErrNotDir if a component
// exists and is not a directory.
func (b *Billy) MkdirAll(p string, perm os.FileMode) error {
	f := b.fs
	f.mu.Lock()
	defer f.mu.Unlock()
	n := f.root
	parts := split(p)
	for i, name := range parts {
		e, ok := n.entries[name]
		if !ok {
			nn := f.alloc(TypeDir, perm)
			f.addEntry(n, name, nn)
			n = nn
			continue
		}
		if e.n.typ != TypeDir {
			return pathErr("mkdir", parts[:i+1], vfs.ErrNotDir)
		}
		n = e.n
	}
	return nil
}

// Symlink creates link pointing at target.
func (b *Billy) Symlink(target, link string) error {
	err := b.locked(func(f *FS) error {
		d, name, err := f.parent("symlink", link)
		if err != nil {
			return err
		}
		_, err = f.symlink(d.ino, name, target)
		return err
	})
	if err != nil {
		return rePath("symlink", link, err)
	}
	return nil
}

// Readlink returns the target of symlink p.
func (b *Billy) Readlink(p string) (string, error) {
	a, err := b.fs.Resolve(p)
	var target string
	if err == nil {
		target, err = b.fs.Readlink(a.Ino)
	}
	if err != nil {
		return "", rePath("readlink", p, err)
	}
	return target, nil
}

// TempFile creates a new file dir/prefixN with the first free N.
func (b *Billy) TempFile(dir, prefix string) (billy.File, error) {
	for {
		b.fs.mu.Lock()
		b.fs.tempSeq++
		seq := b.fs.tempSeq
		b.fs.mu.Unlock()
		name := path.Join(dir, fmt.Sprintf("%s%d", prefix, seq))
		f, err := b.OpenFile(name, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
		if err == nil || !os.IsExist(err) {
			return f, err
		}
	}
}

// Chroot is not supported.
func (b *Billy) Chroot(p string) (billy.Filesystem, error) {
	return nil, &fs.PathError{Op: "chroot", Path: p, Err: billy.ErrNotSupported}
}

// Root returns "/".
func (b *Billy) Root() string { return "/" }

// Capabilities reports read, write, seek and truncate support.
func (b *Billy) Capabilities() billy.Capability { return billy.DefaultCapabilities }

// setPath applies s to the object at p.
func (b *Billy) setPath(op, p string, s SetAttr) error {
	err := b.locked(func(f *FS) error {
		n, err := f.walk(op, split(p))
		if err != nil {
			return err
		}
		return f.setAttr(n, s)
	})
	if err != nil {
		return rePath(op, p, err)
	}
	return nil
}

// Chmod sets the permission bits of p (ctime changes).
func (b *Billy) Chmod(p string, mode os.FileMode) error {
	return b.setPath("chmod", p, SetAttr{Mode: &mode})
}

// Lchown sets owner and group of p.
func (b *Billy) Lchown(p string, uid, gid int) error {
	u, g := uint32(uid), uint32(gid)
	return b.setPath("lchown", p, SetAttr{UID: &u, GID: &g})
}

// Chown equals Lchown: symlinks are never followed.
func (b *Billy) Chown(p string, uid, gid int) error { return b.Lchown(p, uid, gid) }

// Chtimes sets atime and mtime of p (truncated to the granularity; ctime
// becomes now).
func (b *Billy) Chtimes(p string, atime, mtime time.Time) error {
	return b.setPath("chtimes", p, SetAttr{Atime: &atime, Mtime: &mtime})
}

// Link makes newpath another name of oldpath (nfs.UnixChange).
func (b *Billy) Link(oldpath, newpath string) error {
	err := b.locked(func(f *FS) error {
		n, err := f.walk("link", split(oldpath))
		if err != nil {
			return err
		}
		d, name, err := f.parent("link", newpath)
		if err != nil {
			return err
		}
		_, err = f.link(n.ino, d.ino, name)
		return err
	})
	if err != nil {
		return &os.LinkError{Op: "link", Old: oldpath, New: newpath, Err: sentinel(err)}
	}
	return nil
}

// Mknod is not supported.
func (b *Billy) Mknod(p string, mode, major, minor uint32) error {
	return &fs.PathError{Op: "mknod", Path: p, Err: vfs.ErrUnsupported}
}

// Mkfifo is not supported.
func (b *Billy) Mkfifo(p string, mode uint32) error {
	return &fs.PathError{Op: "mkfifo", Path: p, Err: vfs.ErrUnsupported}
}

// Socket is not supported.
func (b *Billy) Socket(p string) error {
	return &fs.PathError{Op: "socket", Path: p, Err: vfs.ErrUnsupported}
}
