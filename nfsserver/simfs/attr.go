package simfs

import (
	"io/fs"
	"time"

	"github.com/willscott/go-nfs/file"
)

// Attr is a snapshot of an inode's attributes (what NFS calls fattr3).
type Attr struct {
	Ino Ino
	// Generation tells incarnations apart: an NFS handle carries it with the
	// inode number so that a handle can never name a newer object, even if a
	// future store reused inode numbers (this one never does).
	Generation uint64
	Type       Type
	Mode       fs.FileMode // permission bits only; the type is in Type
	Nlink      uint32
	UID, GID   uint32
	Size       int64
	Atime      time.Time
	Mtime      time.Time
	Ctime      time.Time
}

func (n *inode) attr() Attr {
	a := Attr{Ino: n.ino, Generation: n.gen, Type: n.typ, Mode: n.mode, Nlink: n.nlink,
		UID: n.uid, GID: n.gid, Atime: n.atime, Mtime: n.mtime, Ctime: n.ctime}
	switch n.typ {
	case TypeRegular:
		a.Size = int64(len(n.data))
	case TypeSymlink:
		a.Size = int64(len(n.target))
	case TypeDir:
		a.Size = 4096
	}
	return a
}

// FileMode returns the permission bits combined with the io/fs type bits.
func (a Attr) FileMode() fs.FileMode {
	switch a.Type {
	case TypeDir:
		return a.Mode | fs.ModeDir
	case TypeSymlink:
		return a.Mode | fs.ModeSymlink
	}
	return a.Mode
}

// Info returns a as an fs.FileInfo named name. ModTime is the mtime; Sys
// returns a go-nfs file.FileInfo carrying Nlink, UID, GID and the inode
// number as Fileid, which go-nfs puts into the fattr3 it sends.
func (a Attr) Info(name string) fs.FileInfo {
	return fileInfo{name: name, a: a}
}

// AttrOf returns the Attr behind a FileInfo made by Info, and whether fi
// was one.
func AttrOf(fi fs.FileInfo) (Attr, bool) {
	i, ok := fi.(fileInfo)
	return i.a, ok
}

type fileInfo struct {
	name string
	a    Attr
}

func (i fileInfo) Name() string       { return i.name }
func (i fileInfo) Size() int64        { return i.a.Size }
func (i fileInfo) Mode() fs.FileMode  { return i.a.FileMode() }
func (i fileInfo) ModTime() time.Time { return i.a.Mtime }
func (i fileInfo) IsDir() bool        { return i.a.Type == TypeDir }

func (i fileInfo) Sys() any {
	return file.FileInfo{Nlink: i.a.Nlink, UID: i.a.UID, GID: i.a.GID, Fileid: uint64(i.a.Ino)}
}
