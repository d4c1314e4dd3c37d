package nfsserver

import (
	"context"
	"encoding/binary"
	"errors"
	"net"
	"strings"

	billy "github.com/go-git/go-billy/v5"
	nfs "github.com/willscott/go-nfs"

	"github.com/nfsmail/nfsmail/nfs3"
	"github.com/nfsmail/nfsmail/nfsserver/simfs"
	"github.com/nfsmail/nfsmail/vfs"
)

const (
	// fhSize is NFS3_FHSIZE, the longest file handle on the wire.
	fhSize = 64
	// handleLen is the length of our handles: inode number + generation.
	handleLen = 16
	// handleLimit is what HandleLimit reports; handles cost nothing here.
	handleLimit = 1 << 20
)

// errBadHandle: a handle that is not one of ours (NFS3ERR_BADHANDLE). A
// forged handle of the right length names no live inode of the right
// generation and gets NFS3ERR_STALE, so no handle reaches outside the
// store.
var errBadHandle = errors.New("nfsserver: malformed file handle")

// handler is our nfs.Handler. File handles name inodes: 8 bytes inode
// number and 8 bytes generation, big-endian. They survive rename and go
// stale when the inode dies; FromHandle turns one into the inode's current
// path for go-nfs.
type handler struct {
	fs    *simfs.FS
	billy *simfs.Billy
}

var _ nfs.Handler = (*handler)(nil)

func newHandler(fsys *simfs.FS) *handler {
	return &handler{fs: fsys, billy: fsys.Billy()}
}

// Mount accepts the export "/" (also spelt "").
func (h *handler) Mount(_ context.Context, _ net.Conn, req nfs.MountRequest) (nfs.MountStatus, billy.Filesystem, []nfs.AuthFlavor) {
	if p := string(req.Dirpath); p != "/" && p != "" {
		return nfs.MountStatusErrNoEnt, nil, nil
	}
	return nfs.MountStatusOk, h.billy, []nfs.AuthFlavor{nfs.AuthFlavorUnix, nfs.AuthFlavorNull}
}

// Change returns the store's adapter, which also implements nfs.UnixChange.
func (h *handler) Change(billy.Filesystem) billy.Change { return h.billy }

// FSStat reports a 1 TiB, 2^32-inode file system minus what is used.
func (h *handler) FSStat(_ context.Context, _ billy.Filesystem, st *nfs.FSStat) error {
	const totalBytes, totalFiles = 1 << 40, 1 << 32
	used, inodes := h.fs.Usage()
	st.TotalSize, st.TotalFiles = totalBytes, totalFiles
	st.FreeSize = uint64(max(totalBytes-used, 0))
	st.AvailableSize = st.FreeSize
	st.FreeFiles = uint64(totalFiles - inodes)
	st.AvailableFiles = st.FreeFiles
	st.CacheHint = 0
	return nil
}

// ToHandle returns the handle of the object at path, or nil if there is
// none (go-nfs asks for handles of names it is about to remove).
func (h *handler) ToHandle(_ billy.Filesystem, path []string) []byte {
	a, err := h.fs.Resolve(strings.Join(path, "/"))
	if err != nil {
		return nil
	}
	return makeHandle(a)
}

// FromHandle returns the current path of the handle's inode.
func (h *handler) FromHandle(fh []byte) (billy.Filesystem, []string, error) {
	ino, err := h.ino(fh)
	if err != nil {
		return nil, nil, err
	}
	p, err := h.fs.PathOf(ino)
	if err != nil {
		return nil, nil, err
	}
	if p == "." {
		return h.billy, []string{}, nil
	}
	return h.billy, strings.Split(p, "/"), nil
}

// InvalidateHandle does nothing: handles name inodes, not paths.
func (h *handler) InvalidateHandle(billy.Filesystem, []byte) error { return nil }

// HandleLimit is large; see handleLimit.
func (h *handler) HandleLimit() int { return handleLimit }

// encodeHandle appends a's handle as nfs_fh3 without allocating.
func encodeHandle(e *nfs3.Encoder, a simfs.Attr) {
	e.Uint32(handleLen)
	e.Uint64(uint64(a.Ino))
	e.Uint64(a.Generation)
}

func makeHandle(a simfs.Attr) []byte {
	fh := make([]byte, handleLen)
	binary.BigEndian.PutUint64(fh, uint64(a.Ino))
	binary.BigEndian.PutUint64(fh[8:], a.Generation)
	return fh
}

// ino checks a handle: errBadHandle if malformed, vfs.ErrStale if its
// inode is dead or a different generation.
func (h *handler) ino(fh []byte) (simfs.Ino, error) {
	if len(fh) != handleLen {
		return 0, errBadHandle
	}
	ino := simfs.Ino(binary.BigEndian.Uint64(fh))
	a, err := h.fs.GetAttr(ino)
	if err != nil {
		return 0, err
	}
	if a.Generation != binary.BigEndian.Uint64(fh[8:]) {
		return 0, vfs.ErrStale
	}
	return ino, nil
}
