package simfs

import (
	"io/fs"

	"github.com/nfsmail/nfsmail/vfs"
)

// Rename moves fromName in fromDir to toName in toDir, atomically replacing
// an existing target (rename(2)). Exactly one name moves: renaming "new/1"
// never touches "new/10". Checks follow Linux's order:
//
//   - fs.ErrNotExist: no source;
//   - fs.ErrInvalid: the source is a directory and toDir is inside it;
//   - vfs.ErrNotEmpty: the target is fromDir or one of its ancestors;
//   - success without change: source and target are the same inode (the
//     same name, or two hard links of one file);
//   - vfs.ErrIsDir / vfs.ErrNotDir: target and source types disagree;
//   - vfs.ErrNotEmpty: the target directory has entries.
//
// The moved inode's ctime changes, both directories' mtime and ctime, and a
// replaced target loses a link (and its ctime changes, or it dies).
func (f *FS) Rename(fromDir Ino, fromName string, toDir Ino, toName string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.rename(fromDir, fromName, toDir, toName)
}

func (f *FS) rename(fromDir Ino, fromName string, toDir Ino, toName string) error {
	src, sd, td, err := f.renameArgs(fromDir, fromName, toDir, toName)
	if err != nil {
		return err
	}
	if e, ok := td.entries[toName]; ok {
		if e.n == src {
			return nil
		}
		if err := replaceable(src, e.n, toDir, toName); err != nil {
			return err
		}
		f.dropEntry(td, toName)
	}
	f.move(src, sd, fromName, td, toName)
	return nil
}

// renameArgs resolves the source and both directories and applies the
// checks that precede the same-inode test.
func (f *FS) renameArgs(fromDir Ino, fromName string, toDir Ino, toName string) (src, sd, td *inode, err error) {
	if sd, err = f.dir("rename", fromDir); err != nil {
		return nil, nil, nil, err
	}
	if td, err = f.dir("rename", toDir); err != nil {
		return nil, nil, nil, err
	}
	if src, err = f.child("rename", sd, fromName); err != nil {
		return nil, nil, nil, err
	}
	if err = checkName("rename", toDir, toName); err != nil {
		return nil, nil, nil, err
	}
	if src.typ == TypeDir && isAncestor(src, td) {
		return nil, nil, nil, inoErr("rename", fromDir, fromName, fs.ErrInvalid)
	}
	if e, ok := td.entries[toName]; ok && isAncestor(e.n, sd) {
		return nil, nil, nil, inoErr("rename", toDir, toName, vfs.ErrNotEmpty)
	}
	return src, sd, td, nil
}

// replaceable checks that src may replace dst.
func replaceable(src, dst *inode, toDir Ino, toName string) error {
	switch {
	case src.typ == TypeDir && dst.typ != TypeDir:
		return inoErr("rename", toDir, toName, vfs.ErrNotDir)
	case src.typ != TypeDir && dst.typ == TypeDir:
		return inoErr("rename", toDir, toName, vfs.ErrIsDir)
	case dst.typ == TypeDir && len(dst.entries) > 0:
		return inoErr("rename", toDir, toName, vfs.ErrNotEmpty)
	}
	return nil
}

// move relinks src from sd/fromName to td/toName (which is free).
func (f *FS) move(src, sd *inode, fromName string, td *inode, toName string) {
	sd.unlink(fromName)
	td.insert(toName, src)
	for i, l := range src.links {
		if l.dir == sd && l.name == fromName {
			src.links[i] = link{dir: td, name: toName}
			break
		}
	}
	if src.typ == TypeDir && sd != td {
		sd.nlink--
		td.nlink++
	}
	src.ctime = f.now()
	f.touch(sd)
	f.touch(td)
}
