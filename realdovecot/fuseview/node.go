package fuseview

import (
	"context"
	"io/fs"
	"path"
	"syscall"
	"time"

	gofs "github.com/hanwen/go-fuse/v2/fs"
	"github.com/hanwen/go-fuse/v2/fuse"

	"github.com/nfsmail/nfsmail/vfs"
)

// node is one file or directory of the view, named by its current path.
type node struct {
	gofs.Inode
	v *View

	opens int      // open handles (under ser)
	silly []string // names it was silly-renamed to (under ser)
}

var (
	_ gofs.NodeLookuper   = (*node)(nil)
	_ gofs.NodeGetattrer  = (*node)(nil)
	_ gofs.NodeSetattrer  = (*node)(nil)
	_ gofs.NodeReaddirer  = (*node)(nil)
	_ gofs.NodeMkdirer    = (*node)(nil)
	_ gofs.NodeCreater    = (*node)(nil)
	_ gofs.NodeOpener     = (*node)(nil)
	_ gofs.NodeUnlinker   = (*node)(nil)
	_ gofs.NodeRmdirer    = (*node)(nil)
	_ gofs.NodeRenamer    = (*node)(nil)
	_ gofs.NodeLinker     = (*node)(nil)
	_ gofs.NodeStatfser   = (*node)(nil)
	_ gofs.NodeAccesser   = (*node)(nil)
	_ gofs.NodeSymlinker  = (*node)(nil)
	_ gofs.NodeMknoder    = (*node)(nil)
	_ gofs.NodeReadlinker = (*node)(nil)
	_ gofs.NodeFsyncer    = (*node)(nil)
)

// path is the node's vfs path ("." for the root).
func (n *node) path() string {
	p := n.Path(n.v.root.EmbeddedInode())
	if p == "" {
		return "."
	}
	return p
}

func (n *node) child(name string) string {
	if p := n.path(); p != "." {
		return path.Join(p, name)
	}
	return name
}

// do runs fn serialised and counted.
func (n *node) do(fn func()) {
	n.v.ops.Add(1)
	n.v.ser.Do(fn)
}

// newChild makes (or finds, by inode number) the kernel inode for fi.
func (n *node) newChild(ctx context.Context, fi fs.FileInfo) *gofs.Inode {
	st := vfs.StatOf(fi)
	return n.NewInode(ctx, &node{v: n.v}, gofs.StableAttr{Mode: modeOf(fi.Mode()) & syscall.S_IFMT, Ino: st.Ino})
}

func (n *node) Lookup(ctx context.Context, name string, out *fuse.EntryOut) (*gofs.Inode, syscall.Errno) {
	var fi fs.FileInfo
	var err error
	n.do(func() { fi, err = n.v.fsys.Stat(n.child(name)) })
	if err != nil {
		return nil, n.v.errno(err)
	}
	n.v.entry(fi, out)
	return n.newChild(ctx, fi), 0
}

func (n *node) Getattr(ctx context.Context, f gofs.FileHandle, out *fuse.AttrOut) syscall.Errno {
	var fi fs.FileInfo
	var err error
	n.do(func() {
		if h, ok := f.(*handle); ok {
			fi, err = h.f.Stat()
		} else {
			fi, err = n.v.fsys.Stat(n.path())
		}
	})
	if err != nil {
		return n.v.errno(err)
	}
	n.v.fill(fi, &out.Attr)
	out.SetTimeout(0)
	return 0
}

// Setattr applies size (ftruncate/truncate) and times (utimes); mode and
// owner changes are accepted and ignored (not modelled).
func (n *node) Setattr(ctx context.Context, f gofs.FileHandle, in *fuse.SetAttrIn, out *fuse.AttrOut) syscall.Errno {
	var err error
	n.do(func() {
		p := n.path()
		if size, ok := in.GetSize(); ok {
			err = n.truncate(f, p, int64(size))
		}
		if err != nil {
			return
		}
		if err = n.chtimes(in, p); err != nil {
			return
		}
		var fi fs.FileInfo
		if h, ok := f.(*handle); ok {
			fi, err = h.f.Stat()
		} else {
			fi, err = n.v.fsys.Stat(p)
		}
		if err == nil {
			n.v.fill(fi, &out.Attr)
			out.SetTimeout(0)
		}
	})
	return n.v.errno(err)
}

func (n *node) truncate(f gofs.FileHandle, p string, size int64) error {
	if h, ok := f.(*handle); ok && h.writable {
		return h.f.Truncate(size)
	}
	file, err := n.v.fsys.OpenFile(p, vfs.O_WRONLY, 0)
	if err != nil {
		return err
	}
	err = file.Truncate(size)
	if cerr := file.Close(); err == nil {
		err = cerr
	}
	return err
}

func (n *node) chtimes(in *fuse.SetAttrIn, p string) error {
	mtime, mok := in.GetMTime()
	atime, aok := in.GetATime()
	if !mok && !aok {
		return nil
	}
	now := time.Now()
	if in.Valid&fuse.FATTR_MTIME_NOW != 0 || !mok {
		mtime = now
	}
	if in.Valid&fuse.FATTR_ATIME_NOW != 0 || !aok {
		atime = now
	}
	if !mok || !aok {
		if fi, err := n.v.fsys.Stat(p); err == nil {
			st := vfs.StatOf(fi)
			if !mok {
				mtime = st.Mtime
			}
			if !aok {
				atime = st.Atime
			}
		}
	}
	return vfs.Chtimes(n.v.fsys, p, atime, mtime)
}

func (n *node) Readdir(ctx context.Context) (gofs.DirStream, syscall.Errno) {
	var ents []fs.DirEntry
	var err error
	n.do(func() { ents, err = n.v.fsys.ReadDir(n.path()) })
	if err != nil {
		return nil, n.v.errno(err)
	}
	list := make([]fuse.DirEntry, 0, len(ents))
	for _, e := range ents {
		list = append(list, fuse.DirEntry{Name: e.Name(), Mode: modeOf(e.Type()) & syscall.S_IFMT})
	}
	return gofs.NewListDirStream(list), 0
}

func (n *node) Mkdir(ctx context.Context, name string, mode uint32, out *fuse.EntryOut) (*gofs.Inode, syscall.Errno) {
	var fi fs.FileInfo
	var err error
	n.do(func() {
		p := n.child(name)
		if err = n.v.fsys.Mkdir(p, fs.FileMode(mode&0o7777)); err == nil {
			fi, err = n.v.fsys.Stat(p)
		}
	})
	if err != nil {
		return nil, n.v.errno(err)
	}
	n.v.entry(fi, out)
	n.v.created(ctx)
	return n.newChild(ctx, fi), 0
}

// Unlink removes name, or silly-renames it while this host has it open.
func (n *node) Unlink(ctx context.Context, name string) syscall.Errno {
	n.awaitRelease(n, name)
	var err error
	n.do(func() {
		if cn := n.openChild(name); cn != nil {
			err = n.sillyRename(n.child(name), cn)
			return
		}
		err = n.v.fsys.Remove(n.child(name))
	})
	return n.v.errno(err)
}

// Rmdir removes a directory; the kernel has already refused rmdir of a
// non-directory (ENOTDIR), and unlink of a directory (EISDIR).
func (n *node) Rmdir(ctx context.Context, name string) syscall.Errno {
	return n.v.errno(n.rmdirWaitingForReleases(n.child(name)))
}

func (n *node) Rename(ctx context.Context, name string, newParent gofs.InodeEmbedder, newName string, flags uint32) syscall.Errno {
	if flags != 0 {
		return syscall.EINVAL // RENAME_NOREPLACE / EXCHANGE: NFSv3 has neither
	}
	np, ok := newParent.(*node)
	if !ok {
		return syscall.EXDEV
	}
	np.awaitRelease(np, newName)
	var err error
	n.do(func() {
		if cn := np.openChild(newName); cn != nil && cn != n.openChild(name) {
			if err = np.sillyRename(np.child(newName), cn); err != nil {
				return
			}
		}
		err = n.v.fsys.Rename(n.child(name), np.child(newName))
	})
	return n.v.errno(err)
}

func (n *node) Link(ctx context.Context, target gofs.InodeEmbedder, name string, out *fuse.EntryOut) (*gofs.Inode, syscall.Errno) {
	t, ok := target.(*node)
	if !ok {
		return nil, syscall.EXDEV
	}
	var fi fs.FileInfo
	var err error
	n.do(func() {
		p := n.child(name)
		if err = vfs.Link(n.v.fsys, t.path(), p); err == nil {
			fi, err = n.v.fsys.Stat(p)
		}
	})
	if err != nil {
		return nil, n.v.errno(err)
	}
	n.v.entry(fi, out)
	n.v.created(ctx)
	return n.newChild(ctx, fi), 0
}

// Statfs reports a large, mostly empty file system.
func (n *node) Statfs(ctx context.Context, out *fuse.StatfsOut) syscall.Errno {
	out.Bsize, out.Frsize = 4096, 4096
	out.Blocks, out.Bfree, out.Bavail = 1<<28, 1<<27, 1<<27
	out.Files, out.Ffree = 1<<24, 1<<23
	out.NameLen = 255
	return 0
}

// Access allows everything: permissions are not modelled.
func (n *node) Access(ctx context.Context, mask uint32) syscall.Errno { return 0 }

func (n *node) Symlink(ctx context.Context, target, name string, out *fuse.EntryOut) (*gofs.Inode, syscall.Errno) {
	return nil, syscall.EPERM
}

func (n *node) Mknod(ctx context.Context, name string, mode uint32, dev uint32, out *fuse.EntryOut) (*gofs.Inode, syscall.Errno) {
	return nil, syscall.EPERM
}

func (n *node) Readlink(ctx context.Context) ([]byte, syscall.Errno) { return nil, syscall.EINVAL }

// Fsync of a directory (fsync on a directory descriptor) does nothing: NFSv3
// directory operations are stable on the server before it replies. Files
// are synced through their handle.
func (n *node) Fsync(ctx context.Context, f gofs.FileHandle, flags uint32) syscall.Errno {
	if h, ok := f.(*handle); ok {
		return h.Fsync(ctx, flags)
	}
	return 0
}
