package nfsclient

import (
	"io/fs"
	"time"

	"github.com/nfsmail/nfsmail/nfs3"
	"github.com/nfsmail/nfsmail/vfs"
)

var errNoEnt = fs.ErrNotExist

// fileInfo presents cached attributes as an fs.FileInfo; Sys is *vfs.Stat.
type fileInfo struct {
	name string
	size int64
	a    nfs3.Fattr
}

func newFileInfo(name string, ino *inode) fileInfo {
	return fileInfo{name: name, size: ino.size(), a: ino.attr}
}

func (fi fileInfo) Name() string       { return fi.name }
func (fi fileInfo) Size() int64        { return fi.size }
func (fi fileInfo) ModTime() time.Time { return fi.a.Mtime }
func (fi fileInfo) IsDir() bool        { return fi.a.IsDir() }
func (fi fileInfo) Sys() any {
	return &vfs.Stat{Ino: fi.a.FileID, Nlink: fi.a.Nlink, Atime: fi.a.Atime, Mtime: fi.a.Mtime, Ctime: fi.a.Ctime}
}

func (fi fileInfo) Mode() fs.FileMode {
	m := fs.FileMode(fi.a.Mode & 0o777)
	switch fi.a.Type {
	case nfs3.TypeDir:
		m |= fs.ModeDir
	case nfs3.TypeLink:
		m |= fs.ModeSymlink
	}
	return m
}

// dirEntry is one listed name; info is filled from READDIRPLUS or lazily.
type dirEntry struct {
	m    *Mount
	dir  *inode
	name string
	ino  *inode
	typ  fs.FileMode
}

func (e dirEntry) Name() string      { return e.name }
func (e dirEntry) IsDir() bool       { return e.typ.IsDir() }
func (e dirEntry) Type() fs.FileMode { return e.typ }

// Info stats the entry through the mount's caches (a LOOKUP or GETATTR
// when they are cold, as stat() after readdir() is on a real client).
func (e dirEntry) Info() (fs.FileInfo, error) {
	e.m.begin()
	ino, err := e.m.lookup(e.dir, e.name, false)
	if err == nil {
		err = e.m.getattr(ino, false)
	}
	if err != nil {
		return nil, pathErr("stat", e.name, err)
	}
	return newFileInfo(e.name, ino), nil
}

// size is the file size as this client sees it: the server's, extended by
// writes not yet sent.
func (ino *inode) size() int64 {
	s := int64(ino.attr.Size)
	for _, x := range ino.wbuf {
		s = max(s, x.off+int64(len(x.data)))
	}
	return s
}
