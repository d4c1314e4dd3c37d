package simfs

import (
	"errors"
	"fmt"
	"sort"
)

// Check verifies the store's invariants (an fsck): every live inode is
// reachable from the root, link counts match directory entries (files:
// one per name; directories: 2 + subdirectories), each inode's recorded
// names match the entries naming it, and directory cookies are unique.
// It returns all problems joined, or nil.
func (f *FS) Check() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	var errs []error
	refs := make(map[*inode][]link)
	f.scan(f.root, refs, &errs)
	for n, ls := range refs {
		errs = append(errs, checkNode(f, n, ls)...)
	}
	if len(refs)+1 != len(f.inodes) {
		errs = append(errs, fmt.Errorf("%d live inodes, %d reachable", len(f.inodes), len(refs)+1))
	}
	sort.Slice(errs, func(i, j int) bool { return errs[i].Error() < errs[j].Error() })
	return errors.Join(errs...)
}

// scan records, for every inode below d, the names referring to it.
func (f *FS) scan(d *inode, refs map[*inode][]link, errs *[]error) {
	cookies := make(map[uint64]bool)
	subdirs := uint32(0)
	for _, name := range sortedNames(d) {
		e := d.entries[name]
		if cookies[e.cookie] || e.cookie > d.cookie {
			*errs = append(*errs, fmt.Errorf("ino %d/%s: bad cookie %d", d.ino, name, e.cookie))
		}
		cookies[e.cookie] = true
		refs[e.n] = append(refs[e.n], link{dir: d, name: name})
		if e.n.typ == TypeDir {
			subdirs++
			if len(refs[e.n]) == 1 {
				f.scan(e.n, refs, errs)
			}
		}
	}
	if d.nlink != 2+subdirs {
		*errs = append(*errs, fmt.Errorf("ino %d: dir nlink %d, want %d", d.ino, d.nlink, 2+subdirs))
	}
}

func checkNode(f *FS, n *inode, ls []link) []error {
	var errs []error
	if f.inodes[n.ino] != n {
		errs = append(errs, fmt.Errorf("ino %d: reachable but not live", n.ino))
	}
	if n.typ == TypeDir && len(ls) != 1 {
		errs = append(errs, fmt.Errorf("ino %d: dir has %d names", n.ino, len(ls)))
	}
	if n.typ != TypeDir && int(n.nlink) != len(ls) {
		errs = append(errs, fmt.Errorf("ino %d: nlink %d, %d names", n.ino, n.nlink, len(ls)))
	}
	if len(n.links) != len(ls) {
		return append(errs, fmt.Errorf("ino %d: records %d names, has %d", n.ino, len(n.links), len(ls)))
	}
	for _, l := range n.links {
		if e, ok := l.dir.entries[l.name]; !ok || e.n != n {
			errs = append(errs, fmt.Errorf("ino %d: recorded name %q in ino %d is wrong", n.ino, l.name, l.dir.ino))
		}
	}
	return errs
}
