package fuseview

import (
	"fmt"
	"path"
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
	}
	n.silly = nil
}
