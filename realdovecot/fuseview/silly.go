package fuseview

import (
	"fmt"
	"path"
	"syscall"
	"time"

	"github.com/nfsmail/nfsmail/vfs"
)

// Silly rename, as the Linux NFS client does it (nfs_sillyrename): removing
// a name whose file this host still has open renames it to .nfsXXXX in the
// same directory instead, and the last close removes that name. Without
// it every read through the still-open descriptor would fail with ESTALE.
// It belongs in the client model; the view does it until the model does.

// openChild returns the open-file state of name's node, if the kernel has
// one and it is open.
func (n *node) openChild(name string) *node {
	ch := n.GetChild(name)
	if ch == nil {
		return nil
	}
	cn, ok := ch.Operations().(*node)
	if !ok || cn.opens == 0 {
		return nil
	}
	return cn
}

// sillyRename moves p (the name of open node cn) aside; called under ser.
func (n *node) sillyRename(p string, cn *node) error {
	n.v.silly++
	silly := path.Join(path.Dir(p), fmt.Sprintf(".nfs%016x%08x", cn.StableAttr().Ino, n.v.silly))
	if err := n.v.fsys.Rename(p, silly); err != nil {
		return err
	}
	cn.silly = append(cn.silly, silly)
	n.v.sillyLive++
	return nil
}

// closed drops one open of n and, at the last, removes its silly names;
// called under ser.
func (n *node) closed() {
	n.opens--
	if n.opens > 0 {
		return
	}
	for _, s := range n.silly {
		_ = n.v.fsys.Remove(s)
		n.v.sillyLive--
	}
	n.silly = nil
}

// releaseWait bounds how long Rmdir waits for the kernel's RELEASE of
// files it silly-renamed: close(2) returns before FUSE delivers RELEASE,
// so a program that closes, unlinks and rmdirs would otherwise see
// ENOTEMPTY where the kernel NFS client (whose close is synchronous) has
// removed the silly name already.
const releaseWait = 500 * time.Millisecond

// rmdirWaitingForReleases removes dir, retrying an ENOTEMPTY while silly
// names of this view are pending.
func (n *node) rmdirWaitingForReleases(dir string) error {
	deadline := time.Now().Add(releaseWait)
	for {
		var err error
		pending := false
		n.do(func() {
			err = n.v.fsys.Remove(dir)
			pending = n.v.sillyLive > 0
		})
		if err == nil || vfs.Errno(err) != syscall.ENOTEMPTY || !pending || time.Now().After(deadline) {
			return err
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// pendingReleaseWait bounds how long Unlink and Rename wait for the
// kernel's RELEASE of a file that looks open: close(2) returns before FUSE
// delivers RELEASE, and the kernel NFS client (whose close is synchronous)
// would not silly-rename a file the program has already closed. A file that
// really is open is silly-renamed after the wait.
const pendingReleaseWait = 20 * time.Millisecond

// awaitRelease waits, outside the view's lock, until dir's child name no
// longer looks open or pendingReleaseWait has passed.
func (n *node) awaitRelease(dir *node, name string) {
	deadline := time.Now().Add(pendingReleaseWait)
	for {
		open := false
		n.do(func() { open = dir.openChild(name) != nil })
		if !open || time.Now().After(deadline) {
			return
		}
		time.Sleep(time.Millisecond)
	}
}
