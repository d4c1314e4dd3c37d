package nfsclient

import (
	"time"

	"github.com/nfsmail/nfsmail/nfs3"
	"github.com/nfsmail/nfsmail/vfs"
)

// never is an attribute timestamp that is always expired.
const never = time.Duration(-1 << 62)

// inode is the client's state for one file handle.
type inode struct {
	fh      []byte
	attr    nfs3.Fattr
	hasAttr bool
	attrAt  time.Duration // when attr was last validated with the server
	attrOp  uint64        // the vfs operation that fetched attr
	timeo   time.Duration // current trust window
	stale   bool
	gen     uint64 // bumped when the directory changed under us: dentry verifier

	// data cache: clean content as of attr, valid while attributes match
	data      []byte
	dataValid bool
	wbuf      []extent // dirty writes not yet sent (write-back)

	// directory listing cache
	listing      []dirEntry
	listingValid bool

	opens     int    // open files on this host
	sillyDir  *inode // set while silly-renamed: removed on last close
	sillyName string
}

type extent struct {
	off  int64
	data []byte
}

type dkey struct {
	dir  string
	name string
}

// dentry is a cached LOOKUP result; ino nil is a negative entry. It is valid
// while its directory's gen equals gen.
type dentry struct {
	ino *inode
	gen uint64
}

func (m *Mount) inode(fh []byte) *inode {
	if ino, ok := m.inodes[string(fh)]; ok {
		return ino
	}
	ino := &inode{fh: append([]byte(nil), fh...), attrAt: never}
	m.inodes[string(fh)] = ino
	return ino
}

func (m *Mount) minTimeo(a *nfs3.Fattr) time.Duration {
	if a.IsDir() {
		return m.opts.ACDirMin
	}
	return m.opts.ACRegMin
}

func (m *Mount) maxTimeo(a *nfs3.Fattr) time.Duration {
	if a.IsDir() {
		return m.opts.ACDirMax
	}
	return m.opts.ACRegMax
}

// fresh reports whether ino's cached attributes may be used without asking.
func (m *Mount) fresh(ino *inode) bool {
	return ino.hasAttr && !ino.stale && m.clock.Now() < ino.attrAt+ino.timeo
}

// update applies attributes the server returned for ino (GETATTR, LOOKUP,
// or post-op attributes of any reply) following nfs_update_inode: a change
// of ctime or size resets the window and invalidates caches; no change after
// the window elapsed doubles it.
func (m *Mount) update(ino *inode, a nfs3.Fattr) {
	now := m.clock.Now()
	switch {
	case !ino.hasAttr:
		ino.timeo = m.minTimeo(&a)
	case a.FileID != ino.attr.FileID:
		ino.stale = true
		return
	case !a.Ctime.Equal(ino.attr.Ctime) || a.Size != ino.attr.Size:
		ino.timeo = m.minTimeo(&a)
		m.invalidate(ino)
	case now-ino.attrAt >= ino.timeo:
		ino.timeo = min(max(2*ino.timeo, m.minTimeo(&a)), m.maxTimeo(&a))
	}
	ino.attr, ino.hasAttr, ino.attrAt, ino.attrOp = a, true, now, m.op
}

// invalidate drops what a change by someone else makes untrustworthy. A host
// with dirty data keeps its pages: it assumes the change was its own.
func (m *Mount) invalidate(ino *inode) {
	if len(ino.wbuf) == 0 {
		ino.dropData()
	}
	if ino.attr.IsDir() {
		ino.gen++
		ino.listingValid = false
	}
}

func (ino *inode) dropData() {
	ino.data, ino.dataValid = nil, false
	ino.listing, ino.listingValid = nil, false
}

// wcc applies a reply's wcc_data for a change this client made: when the
// pre-operation attributes match the cache the change was ours alone and
// the post-operation attributes are adopted without invalidating anything.
func (m *Mount) wcc(ino *inode, w nfs3.Wcc) {
	if !w.HasAfter {
		ino.attrAt = never
		return
	}
	if w.HasBefore && ino.hasAttr && w.Before.Size == ino.attr.Size && w.Before.Ctime.Equal(ino.attr.Ctime) {
		timeo := ino.timeo
		ino.attr, ino.attrAt, ino.attrOp = w.After, m.clock.Now(), m.op
		ino.timeo = timeo
		if ino.attr.IsDir() {
			ino.listingValid = false
		}
		return
	}
	m.update(ino, w.After)
	if ino.attr.IsDir() {
		ino.listingValid = false
	}
}

// postOp applies an optional post_op_attr.
func (m *Mount) postOp(ino *inode, a nfs3.Fattr, ok bool) {
	if ok {
		m.update(ino, a)
	}
}

// getattr revalidates ino: from the cache while fresh, unless force (open
// with close-to-open), with a GETATTR otherwise.
func (m *Mount) getattr(ino *inode, force bool) error {
	if ino.stale {
		return vfs.ErrStale
	}
	if m.fresh(ino) && !force {
		return nil
	}
	if force && ino.hasAttr && ino.attrOp == m.op {
		return nil // fetched by this very operation's lookup
	}
	d, st, err := m.nfs(nfs3.ProcGetattr, func(e *nfs3.Encoder) { e.Opaque(ino.fh) })
	if err != nil {
		return err
	}
	if st != nfs3.OK {
		if st == nfs3.ErrStale {
			ino.stale = true
		}
		return nfs3.StatusError(st)
	}
	m.update(ino, nfs3.DecodeFattr(d))
	if ino.stale {
		return vfs.ErrStale
	}
	return d.Err()
}

// lookup resolves name in dir through the lookup cache. create marks a
// lookup for O_CREAT or a rename target, which trusts a cached negative
// entry even when the directory's attributes have expired (Linux's
// nfs_neg_need_reval); the CREATE that follows goes to the server anyway.
func (m *Mount) lookup(dir *inode, name string, create bool) (*inode, error) {
	if name == "." {
		return dir, nil
	}
	key := dkey{string(dir.fh), name}
	if de, ok := m.dentries[key]; ok && m.trust(dir, de, create) {
		if de.ino == nil {
			return nil, errNoEnt
		}
		return de.ino, nil
	}
	d, st, err := m.nfs(nfs3.ProcLookup, func(e *nfs3.Encoder) {
		e.Opaque(dir.fh)
		e.String(name)
	})
	if err != nil {
		return nil, err
	}
	switch st {
	case nfs3.OK:
	case nfs3.ErrNoEnt:
		a, ok := nfs3.DecodePostOpAttr(d)
		m.postOp(dir, a, ok)
		m.dentries[key] = dentry{gen: dir.gen}
		return nil, errNoEnt
	default:
		if st == nfs3.ErrStale {
			dir.stale = true
		}
		return nil, nfs3.StatusError(st)
	}
	ino := m.inode(d.Opaque(64))
	a, ok := nfs3.DecodePostOpAttr(d)
	m.postOp(ino, a, ok)
	da, dok := nfs3.DecodePostOpAttr(d)
	m.postOp(dir, da, dok)
	if err := d.Err(); err != nil {
		return nil, err
	}
	ino.stale = false
	m.dentries[key] = dentry{ino: ino, gen: dir.gen}
	return ino, nil
}

// trust decides whether a cached dentry may be used without a LOOKUP: the
// directory's attributes must be fresh and unchanged since the entry was made.
func (m *Mount) trust(dir *inode, de dentry, create bool) bool {
	switch {
	case m.opts.LookupCache == LookupNone:
		return false
	case de.ino == nil && create:
		// nfs_neg_need_reval: a create or rename target trusts a negative
		// entry without revalidation; the CREATE itself asks the server.
		return true
	case de.ino == nil && m.opts.LookupCache == LookupPositive:
		return false
	case de.ino != nil && de.ino.stale:
		return false
	}
	return m.fresh(dir) && de.gen == dir.gen
}

// enter records a positive or negative dentry after a change we made.
func (m *Mount) enter(dir *inode, name string, ino *inode) {
	m.dentries[dkey{string(dir.fh), name}] = dentry{ino: ino, gen: dir.gen}
}
