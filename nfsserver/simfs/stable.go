package simfs

import (
	"io/fs"
	"time"
)

// WriteUnstable stores data like Write, but as an NFS UNSTABLE write: the
// data is visible at once (reads, size, mtime) yet stays in the server's
// memory until Commit, a stable Write or SetAttr of the size makes it
// stable. DropUnstable (a server crash) reverts the file to its stable
// content.
func (f *FS) WriteUnstable(ino Ino, off int64, data []byte) (Attr, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	n, err := f.regular("write", ino)
	if err != nil {
		return Attr{}, err
	}
	if !n.dirty && len(data) > 0 {
		n.stable = append([]byte(nil), n.data...)
		n.dirty = true
		f.dirty[n.ino] = n
	}
	if err := f.writeAt(n, off, data); err != nil {
		return Attr{}, inoErr("write", ino, "", err)
	}
	return n.attr(), nil
}

// Commit makes the unstable data of ino stable (NFS COMMIT). Committing a
// file without unstable data, or a directory, just returns its attributes.
func (f *FS) Commit(ino Ino) (Attr, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	n, err := f.get("commit", ino)
	if err != nil {
		return Attr{}, err
	}
	f.settle(n)
	return n.attr(), nil
}

func (f *FS) settle(n *inode) {
	n.dirty, n.stable = false, nil
	delete(f.dirty, n.ino)
}

// DropUnstable throws away every write not yet committed, as a server
// crash does: each such file reverts to its stable content (size
// included; times are kept). It returns the number of files reverted.
func (f *FS) DropUnstable() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := len(f.dirty)
	for _, nd := range f.dirty { // order-independent: each file on its own
		nd.data = nd.stable
		nd.dirty, nd.stable = false, nil
	}
	clear(f.dirty)
	return n
}

// UnstableFiles returns the number of files holding uncommitted writes.
func (f *FS) UnstableFiles() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.dirty)
}

// CreateExclusive is NFS CREATE EXCLUSIVE (RFC 1813 3.3.8): if name does
// not exist, it makes an empty regular file and records verf with it; if
// name exists and is a file created with the same verifier, the call is a
// retransmission and returns that file; otherwise fs.ErrExist. The
// verifier is kept until the first SetAttr (which a client sends right
// after an exclusive create), like servers that keep it in the times.
func (f *FS) CreateExclusive(dir Ino, name string, mode fs.FileMode, verf [8]byte) (Attr, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	d, err := f.dir("create", dir)
	if err != nil {
		return Attr{}, err
	}
	if err := checkName("create", dir, name); err != nil {
		return Attr{}, err
	}
	if e, ok := d.entries[name]; ok {
		if e.n.typ == TypeRegular && e.n.hasVerf && e.n.verf == verf {
			return e.n.attr(), nil
		}
		return Attr{}, inoErr("create", dir, name, fs.ErrExist)
	}
	n := f.alloc(TypeRegular, mode)
	n.verf, n.hasVerf = verf, true
	f.addEntry(d, name, n)
	return n.attr(), nil
}

// SetGranularity changes the timestamp granularity from now on (0 = 1ns);
// one second models older servers.
func (f *FS) SetGranularity(g time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.opts.Granularity = g
}

// Now returns the store's clock reading (Options.Now, not truncated).
func (f *FS) Now() time.Time { return f.opts.Now() }

// Granularity returns the timestamp granularity (0 = 1ns).
func (f *FS) Granularity() time.Duration {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.opts.Granularity
}
