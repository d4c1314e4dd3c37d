//go:build linux

package simfs

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"sort"
	"syscall"
	"testing"

	"github.com/nfsmail/nfsmail/vfs"
	"pgregory.net/rapid"
)

// TestDifferentialOS runs random namespace operations against simfs and
// against the real file system in a temporary directory, and requires the
// same errno for every step and the same tree (types, sizes, contents,
// link counts, which names share an inode) after it.
func TestDifferentialOS(t *testing.T) {
	base := t.TempDir()
	var paths []string
	for _, a := range []string{"a", "b", "c"} {
		paths = append(paths, a)
		for _, b := range []string{"a", "b", "c"} {
			paths = append(paths, a+"/"+b)
		}
	}
	ops := []string{"create", "write", "mkdir", "link", "rename", "unlink", "rmdir"}
	dirNlink = probeDirNlink(t, base)
	rapid.Check(t, func(rt *rapid.T) {
		dir, err := os.MkdirTemp(base, "run")
		if err != nil {
			rt.Fatal(err)
		}
		defer os.RemoveAll(dir)
		f, _ := newFS(nil)
		for i := range rapid.IntRange(1, 40).Draw(rt, "steps") {
			op := rapid.SampledFrom(ops).Draw(rt, "op")
			p := rapid.SampledFrom(paths).Draw(rt, "p")
			q := rapid.SampledFrom(paths).Draw(rt, "q")
			data := rapid.SliceOfN(rapid.Byte(), 0, 5).Draw(rt, "data")
			off := rapid.Int64Range(0, 4).Draw(rt, "off")
			want := errnoOf(osOp(dir, op, p, q, off, data))
			got := errnoOf(simOp(f, op, p, q, off, data))
			if got != want {
				rt.Fatalf("step %d: %s %s %s: simfs %v, os %v", i, op, p, q, got, want)
			}
			if err := f.Check(); err != nil {
				rt.Fatalf("step %d: fsck: %v", i, err)
			}
			if s, o := simTree(f), osTree(dir); s != o {
				rt.Fatalf("step %d: %s %s %s: trees differ\nsimfs:\n%s\nos:\n%s", i, op, p, q, s, o)
			}
		}
	})
}

// errnoOf maps both sides to errno; EPERM (link of a directory) counts as
// EACCES because vfs has one permission sentinel.
func errnoOf(err error) syscall.Errno {
	var e syscall.Errno
	if !errors.As(err, &e) {
		e = vfs.Errno(err)
	}
	if e == syscall.EPERM {
		return syscall.EACCES
	}
	return e
}

func osOp(dir, op, p, q string, off int64, data []byte) error {
	p, q = filepath.Join(dir, p), filepath.Join(dir, q)
	switch op {
	case "create":
		fd, err := syscall.Open(p, syscall.O_CREAT|syscall.O_EXCL|syscall.O_WRONLY, 0o600)
		if err == nil {
			syscall.Close(fd)
		}
		return err
	case "write":
		fd, err := syscall.Open(p, syscall.O_WRONLY, 0)
		if err != nil {
			return err
		}
		defer syscall.Close(fd)
		_, err = syscall.Pwrite(fd, data, off)
		return err
	case "mkdir":
		return syscall.Mkdir(p, 0o700)
	case "link":
		return syscall.Link(p, q)
	case "rename":
		return syscall.Rename(p, q)
	case "unlink":
		return syscall.Unlink(p)
	case "rmdir":
		return syscall.Rmdir(p)
	}
	return fmt.Errorf("unknown op %s", op)
}

func simOp(f *FS, op, p, q string, off int64, data []byte) error {
	b := f.Billy()
	switch op {
	case "create":
		_, err := b.OpenFile(p, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
		return err
	case "write":
		h, err := b.OpenFile(p, os.O_WRONLY, 0)
		if err != nil {
			return err
		}
		if _, err := h.Seek(off, io.SeekStart); err != nil {
			return err
		}
		_, err = h.Write(data)
		return err
	case "mkdir":
		d, err := f.Resolve(path.Dir(p))
		if err == nil {
			_, err = f.Mkdir(d.Ino, path.Base(p), 0o700)
		}
		return err
	case "link":
		return b.Link(p, q)
	case "rename":
		return b.Rename(p, q)
	case "unlink", "rmdir":
		d, err := f.Resolve(path.Dir(p))
		if err != nil {
			return err
		}
		if op == "unlink" {
			return f.Remove(d.Ino, path.Base(p))
		}
		return f.Rmdir(d.Ino, path.Base(p))
	}
	return fmt.Errorf("unknown op %s", op)
}

// dirNlink reports whether the OS counts directory links as 2 + subdirs
// (ext4, tmpfs, XFS; btrfs reports 1). If not, directory nlinks are not
// compared.
var dirNlink bool

func probeDirNlink(t *testing.T, base string) bool {
	d := filepath.Join(base, "probe")
	if err := os.MkdirAll(filepath.Join(d, "sub"), 0o700); err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(d)
	var st syscall.Stat_t
	if err := syscall.Stat(d, &st); err != nil || st.Nlink != 3 {
		t.Logf("OS directory nlink is not 2+subdirs; not comparing it")
		return false
	}
	return true
}

// treeLine describes one name: type, size, content, nlink and the first
// name (in walk order) of the same inode.
func treeLine(p, typ string, size int64, data []byte, nlink uint64, first string) string {
	if typ == "dir" && !dirNlink {
		nlink = 0
	}
	return fmt.Sprintf("%s %s size=%d %q nlink=%d same=%s\n", p, typ, size, data, nlink, first)
}

func simTree(f *FS) string {
	out, firsts := "", map[Ino]string{}
	var walk func(dir string)
	walk = func(dir string) {
		infos, _ := f.Billy().ReadDir(dir)
		for _, fi := range infos {
			p := path.Join(dir, fi.Name())
			a, _ := AttrOf(fi)
			if _, ok := firsts[a.Ino]; !ok {
				firsts[a.Ino] = p
			}
			if a.Type == TypeDir {
				out += treeLine(p, "dir", 0, nil, uint64(a.Nlink), firsts[a.Ino])
				walk(p)
				continue
			}
			data, _, _ := f.Read(a.Ino, 0, 100)
			out += treeLine(p, "file", a.Size, data, uint64(a.Nlink), firsts[a.Ino])
		}
	}
	walk("")
	return out
}

func osTree(root string) string {
	out, firsts := "", map[uint64]string{}
	var walk func(dir string)
	walk = func(dir string) {
		ents, _ := os.ReadDir(filepath.Join(root, dir))
		sort.Slice(ents, func(i, j int) bool { return ents[i].Name() < ents[j].Name() })
		for _, e := range ents {
			p := path.Join(dir, e.Name())
			var st syscall.Stat_t
			_ = syscall.Lstat(filepath.Join(root, p), &st)
			if _, ok := firsts[st.Ino]; !ok {
				firsts[st.Ino] = p
			}
			if e.IsDir() {
				out += treeLine(p, "dir", 0, nil, uint64(st.Nlink), firsts[st.Ino])
				walk(p)
				continue
			}
			data, _ := os.ReadFile(filepath.Join(root, p))
			out += treeLine(p, "file", st.Size, data, uint64(st.Nlink), firsts[st.Ino])
		}
	}
	walk("")
	return out
}
