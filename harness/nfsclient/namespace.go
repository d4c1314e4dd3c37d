package nfsclient

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io/fs"
	"time"

	"github.com/nfsmail/nfsmail/nfs3"
	"github.com/nfsmail/nfsmail/vfs"
)

// OpenFile opens name. Close-to-open: the file's attributes are revalidated
// with the server (unless nocto) and cached pages dropped if it changed.
// O_CREATE|O_EXCL sends CREATE EXCLUSIVE with a verifier and falls back to
// GUARDED, then UNCHECKED, when the server answers NOTSUPP, as Linux does.
func (m *Mount) OpenFile(name string, flag int, perm fs.FileMode) (vfs.File, error) {
	m.begin()
	var ino *inode
	err := m.retryStale(func() (err error) {
		ino, err = m.open(name, flag, perm)
		return err
	})
	if err != nil {
		return nil, pathErr("open", name, err)
	}
	m.fileID++
	ino.opens++
	return &file{m: m, ino: ino, name: name, flag: flag, id: m.fileID}, nil
}

func (m *Mount) open(name string, flag int, perm fs.FileMode) (*inode, error) {
	dir, base, err := m.walkParent(name)
	if err != nil {
		return nil, err
	}
	create := flag&vfs.O_CREATE != 0
	ino, err := m.lookup(dir, base, create)
	switch {
	case errors.Is(err, fs.ErrNotExist) && create:
		return m.create(dir, base, flag&vfs.O_EXCL != 0, perm)
	case err != nil:
		return nil, err
	case create && flag&vfs.O_EXCL != 0:
		return nil, fs.ErrExist
	}
	if err := m.getattr(ino, !m.opts.NoCTO); err != nil {
		return nil, err
	}
	if ino.attr.IsDir() && flag&(vfs.O_WRONLY|vfs.O_RDWR) != 0 {
		return nil, vfs.ErrIsDir
	}
	if flag&vfs.O_TRUNC != 0 && flag&(vfs.O_WRONLY|vfs.O_RDWR) != 0 {
		var zero uint64
		ino.wbuf = nil
		if err := m.setattr(ino, nfs3.Sattr{Size: &zero}); err != nil {
			return nil, err
		}
		ino.data, ino.dataValid = nil, true
	}
	return ino, nil
}

// create sends CREATE in the strongest mode the server accepts.
func (m *Mount) create(dir *inode, name string, excl bool, perm fs.FileMode) (*inode, error) {
	modes := []uint32{nfs3.CreateUnchecked}
	if excl {
		modes = []uint32{nfs3.CreateExclusive, nfs3.CreateGuarded, nfs3.CreateUnchecked}
	}
	mode := uint32(perm.Perm())
	for _, how := range modes {
		ino, err := m.createAs(dir, name, how, mode)
		if errors.Is(err, vfs.ErrUnsupported) {
			continue
		}
		if err == nil && how == nfs3.CreateExclusive {
			err = m.setattr(ino, nfs3.Sattr{Mode: &mode})
		}
		return ino, err
	}
	return nil, vfs.ErrUnsupported
}

func (m *Mount) createAs(dir *inode, name string, how, mode uint32) (*inode, error) {
	d, st, err := m.nfs(nfs3.ProcCreate, func(e *nfs3.Encoder) {
		e.Opaque(dir.fh)
		e.String(name)
		e.Uint32(how)
		if how == nfs3.CreateExclusive {
			m.verf++
			var v [8]byte
			binary.BigEndian.PutUint64(v[:], m.verf)
			e.Fixed(v[:])
			return
		}
		(&nfs3.Sattr{Mode: &mode}).Encode(e)
	})
	if err != nil {
		return nil, err
	}
	return m.newObject(d, st, dir, name)
}

// newObject decodes the common CREATE/MKDIR result: post_op_fh3,
// post_op_attr, wcc_data of the directory.
func (m *Mount) newObject(d *nfs3.Decoder, st nfs3.Status, dir *inode, name string) (*inode, error) {
	if st != nfs3.OK {
		m.wcc(dir, nfs3.DecodeWcc(d))
		return nil, m.fail(dir, st)
	}
	var fh []byte
	if d.Bool() {
		fh = d.Opaque(64)
	}
	a, ok := nfs3.DecodePostOpAttr(d)
	m.wcc(dir, nfs3.DecodeWcc(d))
	if err := d.Err(); err != nil {
		return nil, err
	}
	if fh == nil {
		return m.lookup(dir, name, true)
	}
	ino := m.inode(fh)
	ino.stale = false
	m.postOp(ino, a, ok)
	ino.data, ino.dataValid = nil, true
	m.enter(dir, name, ino)
	return ino, nil
}

// setattr sends SETATTR and applies its wcc_data.
func (m *Mount) setattr(ino *inode, s nfs3.Sattr) error {
	d, st, err := m.nfs(nfs3.ProcSetattr, func(e *nfs3.Encoder) {
		e.Opaque(ino.fh)
		s.Encode(e)
		e.Bool(false) // no ctime guard
	})
	if err != nil {
		return err
	}
	w := nfs3.DecodeWcc(d)
	if st != nfs3.OK {
		return m.fail(ino, st)
	}
	m.wcc(ino, w)
	return d.Err()
}

// Stat returns name's attributes, from the cache while they are fresh.
func (m *Mount) Stat(name string) (fs.FileInfo, error) {
	m.begin()
	var ino *inode
	err := m.retryStale(func() (err error) {
		if ino, err = m.resolve(name); err == nil {
			err = m.getattr(ino, false)
		}
		return err
	})
	if err != nil {
		return nil, pathErr("stat", name, err)
	}
	return newFileInfo(baseName(name), ino), nil
}

// Mkdir sends MKDIR.
func (m *Mount) Mkdir(name string, perm fs.FileMode) error {
	m.begin()
	return pathErr("mkdir", name, m.retryStale(func() error {
		dir, base, err := m.walkParent(name)
		if err != nil {
			return err
		}
		mode := uint32(perm.Perm())
		d, st, err := m.nfs(nfs3.ProcMkdir, func(e *nfs3.Encoder) {
			e.Opaque(dir.fh)
			e.String(base)
			(&nfs3.Sattr{Mode: &mode}).Encode(e)
		})
		if err != nil {
			return err
		}
		_, err = m.newObject(d, st, dir, base)
		return err
	}))
}

// Remove sends REMOVE, or RMDIR for a directory. A file this host still
// has open is renamed to .nfsXXXX instead and removed on its last close
// (silly rename), so the open file keeps working, as on Linux.
func (m *Mount) Remove(name string) error {
	m.begin()
	return pathErr("remove", name, m.retryStale(func() error {
		dir, base, err := m.walkParent(name)
		if err != nil {
			return err
		}
		ino, err := m.lookup(dir, base, false)
		if err != nil {
			return err
		}
		if ino.opens > 0 && !ino.attr.IsDir() && !m.noSilly {
			return m.sillyRename(dir, base, ino)
		}
		return m.remove(dir, base, ino)
	}))
}

func (m *Mount) remove(dir *inode, base string, ino *inode) error {
	proc := nfs3.ProcRemove
	if ino.attr.IsDir() {
		proc = nfs3.ProcRmdir
	}
	d, st, err := m.nfs(proc, func(e *nfs3.Encoder) {
		e.Opaque(dir.fh)
		e.String(base)
	})
	if err != nil {
		return err
	}
	m.wcc(dir, nfs3.DecodeWcc(d))
	if st != nfs3.OK {
		return m.fail(dir, st)
	}
	ino.attrAt = never // nlink and ctime changed
	m.enter(dir, base, nil)
	return d.Err()
}

// Rename sends RENAME. A target this host has open is silly-renamed first.
func (m *Mount) Rename(oldname, newname string) error {
	m.begin()
	err := m.retryStale(func() error {
		from, fbase, err := m.walkParent(oldname)
		if err != nil {
			return err
		}
		to, tbase, err := m.walkParent(newname)
		if err != nil {
			return err
		}
		ino, err := m.lookup(from, fbase, false)
		if err != nil {
			return err
		}
		if old, err := m.lookup(to, tbase, true); err == nil && old != ino && old.opens > 0 && !old.attr.IsDir() && !m.noSilly {
			if err := m.sillyRename(to, tbase, old); err != nil {
				return err
			}
		}
		return m.rename(from, fbase, to, tbase, ino)
	})
	if err != nil {
		return &vfs.LinkError{Op: "rename", Old: oldname, New: newname, Err: err}
	}
	return nil
}

func (m *Mount) rename(from *inode, fbase string, to *inode, tbase string, ino *inode) error {
	d, st, err := m.nfs(nfs3.ProcRename, func(e *nfs3.Encoder) {
		e.Opaque(from.fh)
		e.String(fbase)
		e.Opaque(to.fh)
		e.String(tbase)
	})
	if err != nil {
		return err
	}
	m.wcc(from, nfs3.DecodeWcc(d))
	m.wcc(to, nfs3.DecodeWcc(d))
	if st != nfs3.OK {
		return m.fail(from, st)
	}
	if old, ok := m.dentries[dkey{string(to.fh), tbase}]; ok && old.ino != nil && old.ino != ino {
		old.ino.attrAt = never
	}
	ino.attrAt = never // ctime changed
	m.enter(from, fbase, nil)
	m.enter(to, tbase, ino)
	return d.Err()
}

// sillyRename hides an open file under ".nfs<fileid><counter>" in its
// directory; its last close removes it. A host that crashes first leaves the
// .nfs file behind on the server, as real clients do.
func (m *Mount) sillyRename(dir *inode, base string, ino *inode) error {
	m.silly++
	name := fmt.Sprintf(".nfs%016x%08x", ino.attr.FileID, m.silly)
	if err := m.rename(dir, base, dir, name, ino); err != nil {
		return err
	}
	ino.sillyDir, ino.sillyName = dir, name
	return nil
}

// Link sends LINK. Without a duplicate request cache a lost reply turns a
// successful link into EEXIST; callers that must know check the link count.
func (m *Mount) Link(oldname, newname string) error {
	m.begin()
	err := m.retryStale(func() error {
		ino, err := m.resolve(oldname)
		if err != nil {
			return err
		}
		if ino.attr.IsDir() {
			return fs.ErrPermission // the VFS refuses hard links to directories
		}
		dir, base, err := m.walkParent(newname)
		if err != nil {
			return err
		}
		d, st, err := m.nfs(nfs3.ProcLink, func(e *nfs3.Encoder) {
			e.Opaque(ino.fh)
			e.Opaque(dir.fh)
			e.String(base)
		})
		if err != nil {
			return err
		}
		a, ok := nfs3.DecodePostOpAttr(d)
		m.wcc(dir, nfs3.DecodeWcc(d))
		if st != nfs3.OK {
			return m.fail(dir, st)
		}
		m.postOp(ino, a, ok)
		m.enter(dir, base, ino)
		return d.Err()
	})
	if err != nil {
		return &vfs.LinkError{Op: "link", Old: oldname, New: newname, Err: err}
	}
	return nil
}

// Chtimes sends SETATTR with client-supplied times (utime()).
func (m *Mount) Chtimes(name string, atime, mtime time.Time) error {
	m.begin()
	return pathErr("chtimes", name, m.retryStale(func() error {
		ino, err := m.resolve(name)
		if err != nil {
			return err
		}
		// Linux's nfs_setattr writes dirty data back first, or the
		// later WRITE would set the mtime to the server's clock again.
		if err := m.flush(ino, nfs3.Unstable); err != nil {
			return err
		}
		return m.setattr(ino, nfs3.Sattr{Atime: &atime, Mtime: &mtime})
	}))
}
