package nfsclient

import (
	"io/fs"
	"slices"
	"strings"

	"github.com/nfsmail/nfsmail/nfs3"
	"github.com/nfsmail/nfsmail/vfs"
)

// Listing request sizes (Linux sizes them from FSINFO's dtpref and rsize).
const (
	dirCount = 64 << 10
	maxCount = 256 << 10
)

// ReadDir lists a directory. Opening it revalidates the directory's
// attributes (close-to-open also applies to directories, unless nocto); the
// cached listing is reused while they are unchanged. READDIRPLUS primes the
// attribute and lookup caches for every entry; with nordirplus READDIR
// returns names only and each later stat needs its own LOOKUP.
func (m *Mount) ReadDir(name string) ([]fs.DirEntry, error) {
	m.begin()
	var dir *inode
	err := m.retryStale(func() (err error) {
		if dir, err = m.resolve(name); err != nil {
			return err
		}
		if err = m.getattr(dir, !m.opts.NoCTO); err != nil {
			return err
		}
		if !dir.attr.IsDir() {
			return vfs.ErrNotDir
		}
		if !dir.listingValid {
			return m.list(dir)
		}
		return nil
	})
	if err != nil {
		return nil, pathErr("readdir", name, err)
	}
	out := make([]fs.DirEntry, len(dir.listing))
	for i, e := range dir.listing {
		out[i] = e
	}
	return out, nil
}

func (m *Mount) list(dir *inode) error {
	var entries []dirEntry
	var cookie uint64
	var verf []byte
	for {
		page, next, v, eof, err := m.readdirPage(dir, cookie, verf)
		if err != nil {
			return err
		}
		entries = append(entries, page...)
		cookie, verf = next, v
		if eof || len(page) == 0 {
			break
		}
	}
	slices.SortFunc(entries, func(a, b dirEntry) int { return strings.Compare(a.name, b.name) })
	dir.listing, dir.listingValid = entries, true
	return nil
}

func (m *Mount) readdirPage(dir *inode, cookie uint64, verf []byte) ([]dirEntry, uint64, []byte, bool, error) {
	plus := !m.opts.NoRDirPlus
	proc := nfs3.ProcReaddirplus
	if !plus {
		proc = nfs3.ProcReaddir
	}
	d, st, err := m.nfs(proc, func(e *nfs3.Encoder) {
		e.Opaque(dir.fh)
		e.Uint64(cookie)
		var v [8]byte
		copy(v[:], verf)
		e.Fixed(v[:])
		if plus {
			e.Uint32(dirCount)
		}
		e.Uint32(maxCount)
	})
	if err != nil {
		return nil, 0, nil, false, err
	}
	a, ok := nfs3.DecodePostOpAttr(d)
	if st != nfs3.OK {
		return nil, 0, nil, false, m.fail(dir, st)
	}
	m.postOp(dir, a, ok)
	verf = append([]byte(nil), d.Fixed(8)...)
	var page []dirEntry
	for d.Bool() {
		e, c := m.decodeEntry(d, dir, plus)
		cookie = c
		if e.name != "." && e.name != ".." {
			page = append(page, e)
		}
	}
	eof := d.Bool()
	return page, cookie, verf, eof, d.Err()
}

func (m *Mount) decodeEntry(d *nfs3.Decoder, dir *inode, plus bool) (dirEntry, uint64) {
	d.Uint64() // fileid
	e := dirEntry{m: m, dir: dir, name: d.String(nfs3.MaxOpaque)}
	cookie := d.Uint64()
	if !plus {
		return e, cookie
	}
	a, ok := nfs3.DecodePostOpAttr(d)
	if ok && a.IsDir() {
		e.typ = fs.ModeDir
	}
	if d.Bool() {
		fh := d.Opaque(64)
		if e.name != "." && e.name != ".." && d.Err() == nil {
			e.ino = m.inode(fh)
			e.ino.stale = false
			m.postOp(e.ino, a, ok)
			m.enter(dir, e.name, e.ino)
		}
	}
	return e, cookie
}
