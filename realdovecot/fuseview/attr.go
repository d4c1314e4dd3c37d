package fuseview

import (
	"io/fs"
	"syscall"

	"github.com/hanwen/go-fuse/v2/fuse"

	"github.com/nfsmail/nfsmail/vfs"
)

// fill copies a vfs FileInfo into FUSE attributes, with the view's owner.
func (v *View) fill(fi fs.FileInfo, a *fuse.Attr) {
	st := vfs.StatOf(fi)
	a.Ino = st.Ino
	a.Size = uint64(fi.Size())
	a.Blocks = (a.Size + 511) / 512
	a.Blksize = 4096
	a.Nlink = st.Nlink
	a.Mode = modeOf(fi.Mode())
	a.Owner = fuse.Owner{Uid: v.opts.UID, Gid: v.opts.GID}
	a.SetTimes(&st.Atime, &st.Mtime, &st.Ctime)
}

// modeOf turns an fs.FileMode into st_mode bits.
func modeOf(m fs.FileMode) uint32 {
	bits := uint32(m.Perm())
	if m&fs.ModeSetuid != 0 {
		bits |= syscall.S_ISUID
	}
	if m&fs.ModeSetgid != 0 {
		bits |= syscall.S_ISGID
	}
	if m&fs.ModeSticky != 0 {
		bits |= syscall.S_ISVTX
	}
	switch {
	case m.IsDir():
		return bits | syscall.S_IFDIR
	case m&fs.ModeSymlink != 0:
		return bits | syscall.S_IFLNK
	}
	return bits | syscall.S_IFREG
}

// entry fills a lookup reply: attributes, and zero timeouts so the kernel
// asks again next time.
func (v *View) entry(fi fs.FileInfo, out *fuse.EntryOut) {
	v.fill(fi, &out.Attr)
	out.SetEntryTimeout(0)
	out.SetAttrTimeout(0)
}
