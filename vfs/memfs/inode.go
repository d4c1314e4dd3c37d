package memfs

import (
	"io/fs"
	"path"
	"strings"
	"time"

	"github.com/nfsmail/nfsmail/vfs"
)

// inode is a file or directory. Directories hold their entries in children
// and a parent pointer (directories have exactly one name).
type inode struct {
	ino      uint64
	mode     fs.FileMode // type bits | permission bits
	nlink    uint32
	data     []byte
	children map[string]*inode
	parent   *inode
	atime    time.Time
	mtime    time.Time
	ctime    time.Time
	locks    map[*file]vfs.LockType
}

func (n *inode) isDir() bool { return n.mode.IsDir() }

// touchMod marks a data change: mtime and ctime.
func (n *inode) touchMod(t time.Time) { n.mtime, n.ctime = t, t }

func (n *inode) size() int64 {
	if n.isDir() {
		return int64(len(n.children)) * 32
	}
	return int64(len(n.data))
}

// info snapshots n's attributes under the file name base.
func (n *inode) info(base string) *fileInfo {
	return &fileInfo{
		name: base,
		size: n.size(),
		mode: n.mode,
		st: vfs.Stat{
			Ino: n.ino, Nlink: n.nlink,
			Atime: n.atime, Mtime: n.mtime, Ctime: n.ctime,
		},
	}
}

// isAncestorOf reports whether n is dir or one of dir's parents.
func (n *inode) isAncestorOf(dir *inode) bool {
	for d := dir; d != nil; d = d.parent {
		if d == n {
			return true
		}
	}
	return false
}

// fileInfo implements fs.FileInfo; Sys() is a *vfs.Stat.
type fileInfo struct {
	name string
	size int64
	mode fs.FileMode
	st   vfs.Stat
}

func (fi *fileInfo) Name() string       { return fi.name }
func (fi *fileInfo) Size() int64        { return fi.size }
func (fi *fileInfo) Mode() fs.FileMode  { return fi.mode }
func (fi *fileInfo) ModTime() time.Time { return fi.st.Mtime }
func (fi *fileInfo) IsDir() bool        { return fi.mode.IsDir() }
func (fi *fileInfo) Sys() any           { st := fi.st; return &st }

// splitPath validates name and returns its cleaned components ("." has none).
func splitPath(name string) ([]string, bool) {
	if !fs.ValidPath(name) {
		return nil, false
	}
	if name == "." {
		return nil, true
	}
	return strings.Split(name, "/"), true
}

// baseName is the last element of a valid path.
func baseName(name string) string { return path.Base(name) }
