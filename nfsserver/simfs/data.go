package simfs

import (
	"io/fs"
	"time"

	"github.com/nfsmail/nfsmail/vfs"
)

// Read returns up to n bytes of regular file ino from offset off, and eof
// when the data reaches the end of the file. It updates atime.
func (f *FS) Read(ino Ino, off int64, n int) (data []byte, eof bool, err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	nd, err := f.regular("read", ino)
	if err != nil {
		return nil, false, err
	}
	if off < 0 || n < 0 {
		return nil, false, inoErr("read", ino, "", fs.ErrInvalid)
	}
	data = nd.readAt(off, n)
	nd.atime = f.now()
	return data, off+int64(len(data)) >= int64(len(nd.data)), nil
}

// Write stores data at offset off of regular file ino, extending it with
// zeros if needed, and updates mtime and ctime. Writes past MaxFileSize
// fail with vfs.ErrNoSpace.
func (f *FS) Write(ino Ino, off int64, data []byte) (Attr, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	n, err := f.regular("write", ino)
	if err != nil {
		return Attr{}, err
	}
	if err := f.writeAt(n, off, data); err != nil {
		return Attr{}, inoErr("write", ino, "", err)
	}
	if n.dirty && len(data) > 0 { // a stable write is stable under unstable data too
		n.stable = put(n.stable, off, data)
	}
	return n.attr(), nil
}

// SetAttr lists the attributes a SetAttr call changes; nil fields stay.
type SetAttr struct {
	Mode     *fs.FileMode // permission bits
	UID, GID *uint32
	Size     *int64 // regular files only
	Atime    *time.Time
	Mtime    *time.Time
	// AtimeNow and MtimeNow set the time to the server's clock (NFS
	// SET_TO_SERVER_TIME); they override Atime and Mtime.
	AtimeNow, MtimeNow bool
}

// SetAttr changes attributes of ino (chmod, chown, truncate, utimes).
// Every change sets ctime; a size change also sets mtime. A size on a
// directory fails with vfs.ErrIsDir, on a symlink with fs.ErrInvalid.
func (f *FS) SetAttr(ino Ino, s SetAttr) (Attr, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	n, err := f.get("setattr", ino)
	if err != nil {
		return Attr{}, err
	}
	if err := f.setAttr(n, s); err != nil {
		return Attr{}, inoErr("setattr", ino, "", err)
	}
	return n.attr(), nil
}

// setAttr applies s to n; it returns a bare sentinel.
func (f *FS) setAttr(n *inode, s SetAttr) error {
	if s.Size != nil {
		if err := f.truncateNode(n, *s.Size); err != nil {
			return err
		}
	}
	f.setMeta(n, s)
	return nil
}

// setMeta applies everything of s except the size.
func (f *FS) setMeta(n *inode, s SetAttr) {
	now := f.now()
	if s.Mode != nil {
		n.mode = *s.Mode & permBits
	}
	if s.UID != nil {
		n.uid = *s.UID
	}
	if s.GID != nil {
		n.gid = *s.GID
	}
	switch {
	case s.AtimeNow:
		n.atime = now
	case s.Atime != nil:
		n.atime = f.truncate(*s.Atime)
	}
	switch {
	case s.MtimeNow:
		n.mtime = now
	case s.Mtime != nil:
		n.mtime = f.truncate(*s.Mtime)
	}
	n.ctime = now
	n.hasVerf = false
}

// regular returns the live regular file ino.
func (f *FS) regular(op string, ino Ino) (*inode, error) {
	n, err := f.get(op, ino)
	if err != nil {
		return nil, err
	}
	switch n.typ {
	case TypeRegular:
		return n, nil
	case TypeDir:
		return nil, inoErr(op, ino, "", vfs.ErrIsDir)
	}
	return nil, inoErr(op, ino, "", fs.ErrInvalid)
}

func (n *inode) readAt(off int64, max int) []byte {
	if off >= int64(len(n.data)) {
		return nil
	}
	end := int64(len(n.data))
	if int64(max) < end-off {
		end = off + int64(max)
	}
	return append([]byte(nil), n.data[off:end]...)
}

// writeAt writes data at off and sets mtime and ctime; an empty write
// changes nothing (as on Linux). It returns a bare sentinel for the caller
// to wrap.
func (f *FS) writeAt(n *inode, off int64, data []byte) error {
	if off < 0 {
		return fs.ErrInvalid
	}
	if len(data) == 0 {
		return nil
	}
	if off > MaxFileSize || int64(len(data)) > MaxFileSize-off {
		return vfs.ErrNoSpace
	}
	n.data = put(n.data, off, data)
	f.touch(n)
	return nil
}

// put writes data into b at off, growing b with zeros as needed.
func put(b []byte, off int64, data []byte) []byte {
	if end := off + int64(len(data)); end > int64(len(b)) {
		b = grow(b, int(end))
	}
	copy(b[off:], data)
	return b
}

// truncateNode sets the size of a regular file and its mtime and ctime.
func (f *FS) truncateNode(n *inode, size int64) error {
	switch {
	case n.typ == TypeDir:
		return vfs.ErrIsDir
	case n.typ != TypeRegular || size < 0:
		return fs.ErrInvalid
	case size > MaxFileSize:
		return vfs.ErrNoSpace
	}
	n.data = resize(n.data, size)
	if n.dirty {
		n.stable = resize(n.stable, size)
	}
	f.touch(n)
	return nil
}

// resize truncates or zero-extends b to size.
func resize(b []byte, size int64) []byte {
	if size <= int64(len(b)) {
		return b[:size:size]
	}
	return grow(b, int(size))
}

// grow extends b with zeros to length size.
func grow(b []byte, size int) []byte {
	if size <= cap(b) {
		old := len(b)
		b = b[:size]
		clear(b[old:])
		return b
	}
	nb := make([]byte, size, size+size/4)
	copy(nb, b)
	return nb
}
