package memfs_test

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"

	"github.com/nfsmail/nfsmail/vfs"
)

// osFS is vfs.FS over a real directory: the other side of the differential
// tests.
type osFS struct{ root string }

type osFile struct {
	*os.File
	name string
}

func (f osFile) Name() string { return f.name }

func (o osFS) path(name string) string { return filepath.Join(o.root, filepath.FromSlash(name)) }

func (o osFS) OpenFile(name string, flag int, perm fs.FileMode) (vfs.File, error) {
	f, err := os.OpenFile(o.path(name), flag, perm)
	if err != nil {
		return nil, err
	}
	return osFile{f, name}, nil
}
func (o osFS) Stat(name string) (fs.FileInfo, error)      { return os.Lstat(o.path(name)) }
func (o osFS) ReadDir(name string) ([]fs.DirEntry, error) { return os.ReadDir(o.path(name)) }
func (o osFS) Mkdir(name string, perm fs.FileMode) error  { return os.Mkdir(o.path(name), perm) }
func (o osFS) Remove(name string) error                   { return os.Remove(o.path(name)) }

// Rename is rename(2) itself: os.Rename refuses to replace a directory.
func (o osFS) Rename(a, b string) error {
	if err := syscall.Rename(o.path(a), o.path(b)); err != nil {
		return &vfs.LinkError{Op: "rename", Old: a, New: b, Err: err}
	}
	return nil
}
func (o osFS) Link(a, b string) error { return os.Link(o.path(a), o.path(b)) }

// errnoOf classifies an error from either side.
func errnoOf(err error) syscall.Errno {
	var e syscall.Errno
	if errors.As(err, &e) {
		return e
	}
	return vfs.Errno(err)
}

// interp runs a tiny script against one file system and renders every
// observable result, normalising inode numbers to first-seen order.
type interp struct {
	fsys    vfs.FS
	handles map[string]vfs.File
	inos    map[uint64]int
}

func runScript(fsys vfs.FS, script string) []string {
	in := &interp{fsys: fsys, handles: map[string]vfs.File{}, inos: map[uint64]int{}}
	var out []string
	for _, line := range strings.Split(strings.TrimSpace(script), "\n") {
		f := strings.Fields(line)
		out = append(out, line+" => "+in.step(f))
	}
	for _, h := range in.handles {
		h.Close()
	}
	return out
}

func res(err error) string {
	if err != nil {
		return "err " + errnoOf(err).Error()
	}
	return "ok"
}

var openFlags = map[string]int{
	"r": vfs.O_RDONLY, "w": vfs.O_WRONLY | vfs.O_CREATE | vfs.O_TRUNC,
	"rw": vfs.O_RDWR | vfs.O_CREATE, "excl": vfs.O_WRONLY | vfs.O_CREATE | vfs.O_EXCL,
	"append": vfs.O_WRONLY | vfs.O_CREATE | vfs.O_APPEND, "trunc": vfs.O_RDWR | vfs.O_TRUNC,
}

func (in *interp) step(f []string) string {
	switch f[0] {
	case "open": // open <handle> <path> <mode>
		h, err := in.fsys.OpenFile(f[2], openFlags[f[3]], 0o644)
		if err == nil {
			in.handles[f[1]] = h
		}
		return res(err)
	case "write": // write <handle> <text>
		_, err := in.handles[f[1]].Write([]byte(f[2]))
		return res(err)
	case "read": // read <handle>: the rest from the offset
		b, err := io.ReadAll(in.handles[f[1]])
		return fmt.Sprintf("%q %s", b, res(err))
	case "seek": // seek <handle> <offset> <whence>
		off, _ := strconv.ParseInt(f[2], 10, 64)
		wh, _ := strconv.Atoi(f[3])
		n, err := in.handles[f[1]].Seek(off, wh)
		return fmt.Sprintf("%d %s", n, res(err))
	case "truncate":
		n, _ := strconv.ParseInt(f[2], 10, 64)
		return res(in.handles[f[1]].Truncate(n))
	case "fstat":
		fi, err := in.handles[f[1]].Stat()
		return in.stat(fi, err)
	case "close":
		err := in.handles[f[1]].Close()
		delete(in.handles, f[1])
		return res(err)
	}
	return in.pathStep(f)
}

func (in *interp) pathStep(f []string) string {
	switch f[0] {
	case "cat":
		b, err := vfs.ReadFile(in.fsys, f[1])
		return fmt.Sprintf("%q %s", b, res(err))
	case "put":
		return res(vfs.WriteFile(in.fsys, f[1], []byte(f[2]), 0o644))
	case "stat":
		fi, err := in.fsys.Stat(f[1])
		return in.stat(fi, err)
	case "ls":
		ents, err := in.fsys.ReadDir(f[1])
		var names []string
		for _, e := range ents {
			names = append(names, e.Name())
		}
		return fmt.Sprintf("%v %s", names, res(err))
	case "mkdir":
		return res(in.fsys.Mkdir(f[1], 0o755))
	case "rm":
		return res(in.fsys.Remove(f[1]))
	case "mv":
		return res(in.fsys.Rename(f[1], f[2]))
	case "link":
		return res(vfs.Link(in.fsys, f[1], f[2]))
	}
	panic("unknown op " + f[0])
}

func (in *interp) stat(fi fs.FileInfo, err error) string {
	if err != nil {
		return res(err)
	}
	ino, nlink := inoOf(fi)
	k, ok := in.inos[ino]
	if !ok {
		k = len(in.inos) + 1
		in.inos[ino] = k
	}
	if fi.IsDir() {
		return fmt.Sprintf("dir ino#%d", k)
	}
	return fmt.Sprintf("file size=%d nlink=%d ino#%d", fi.Size(), nlink, k)
}

func inoOf(fi fs.FileInfo) (uint64, uint64) {
	switch st := fi.Sys().(type) {
	case *vfs.Stat:
		return st.Ino, uint64(st.Nlink)
	case *syscall.Stat_t:
		return st.Ino, uint64(st.Nlink)
	}
	panic("no inode in FileInfo")
}
