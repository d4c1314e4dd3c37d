package nfsserver

import (
	"encoding/binary"
	"hash/fnv"
	"io/fs"
	"sync"

	"github.com/nfsmail/nfsmail/nfsserver/simfs"
)

// listingSnapshots bounds the directory listings kept for paging.
const listingSnapshots = 64

// listingCache implements go-nfs's optional nfs.CachingHandler. go-nfs
// pages READDIR(PLUS) by index into the name-sorted listing and checks the
// client's cookie verifier against VerifierFor; a listing is remembered per
// (path, verifier) so later pages come from the same snapshot, like the
// CachingHandler go-nfs ships. The verifier is a hash of the path, names and
// inode numbers, so it is deterministic and unchanged while the directory
// is; once a snapshot is evicted (oldest first) and the directory changed,
// the client gets NFS3ERR_BAD_COOKIE and restarts the listing.
type listingCache struct {
	fs    *simfs.FS
	mu    sync.Mutex
	snaps map[listingKey][]fs.FileInfo
	order []listingKey // insertion order, for eviction
}

type listingKey struct {
	path     string
	verifier uint64
}

func newListingCache(fsys *simfs.FS) listingCache {
	return listingCache{fs: fsys, snaps: make(map[listingKey][]fs.FileInfo)}
}

// VerifierFor returns the cookie verifier of a fresh listing and keeps it.
func (h *handler) VerifierFor(path string, contents []fs.FileInfo) uint64 {
	return h.dirs.remember(path, contents)
}

// DataForVerifier returns the listing remembered for (path, verifier), with
// attributes refreshed from the store, or nil.
func (h *handler) DataForVerifier(path string, verifier uint64) []fs.FileInfo {
	return h.dirs.recall(path, verifier)
}

func (c *listingCache) remember(path string, contents []fs.FileInfo) uint64 {
	v := verifierOf(path, contents)
	k := listingKey{path, v}
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.snaps[k]; ok {
		return v
	}
	if len(c.order) == listingSnapshots {
		delete(c.snaps, c.order[0])
		c.order = append(c.order[:0], c.order[1:]...)
	}
	c.snaps[k] = append([]fs.FileInfo(nil), contents...)
	c.order = append(c.order, k)
	return v
}

func (c *listingCache) recall(path string, verifier uint64) []fs.FileInfo {
	c.mu.Lock()
	snap, ok := c.snaps[listingKey{path, verifier}]
	c.mu.Unlock()
	if !ok {
		return nil
	}
	out := make([]fs.FileInfo, len(snap))
	for i, fi := range snap {
		out[i] = fi
		if a, ok := simfs.AttrOf(fi); ok {
			if cur, err := c.fs.GetAttr(a.Ino); err == nil {
				out[i] = cur.Info(fi.Name())
			}
		}
	}
	return out
}

// verifierOf hashes path, names and inode numbers (FNV-64a); never 0,
// which means "no verifier".
func verifierOf(path string, contents []fs.FileInfo) uint64 {
	h := fnv.New64a()
	h.Write([]byte(path))
	var b [8]byte
	for _, fi := range contents {
		h.Write([]byte{0})
		h.Write([]byte(fi.Name()))
		if a, ok := simfs.AttrOf(fi); ok {
			binary.BigEndian.PutUint64(b[:], uint64(a.Ino))
			h.Write(b[:])
		}
	}
	if v := h.Sum64(); v != 0 {
		return v
	}
	return 1
}
