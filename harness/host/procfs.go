package host

import (
	"io/fs"
	"slices"
	"time"

	"github.com/nfsmail/nfsmail/harness/sim"
	"github.com/nfsmail/nfsmail/vfs"
)

// procFS is a process's view of its host's file system: every call is a
// scheduling point and a trace event.
type procFS struct {
	fs   vfs.FS
	p    *sim.Proc
	open map[*procFile]bool // files the process has not closed
	seq  int
}

// exit closes what the process left open, as the kernel does when a
// process exits (close-to-open writes dirty data back then). A process
// killed by a crash does not get here: its dirty data is lost.
func (f *procFS) exit() {
	if r := recover(); r != nil {
		panic(r) // killed or failed: nothing is closed
	}
	files := make([]*procFile, 0, len(f.open))
	for pf := range f.open {
		files = append(files, pf)
	}
	slices.SortFunc(files, func(a, b *procFile) int { return a.seq - b.seq })
	for _, pf := range files {
		pf.Close()
	}
}

var (
	_ vfs.LinkFS    = (*procFS)(nil)
	_ vfs.ChtimesFS = (*procFS)(nil)
)

func (f *procFS) step(format string, args ...any) {
	f.p.Yield()
	f.p.Scheduler().Tracef(format, args...)
}

func (f *procFS) OpenFile(name string, flag int, perm fs.FileMode) (vfs.File, error) {
	f.step("open %s %s", name, flagString(flag))
	file, err := f.fs.OpenFile(name, flag, perm)
	if err != nil {
		return nil, err
	}
	f.seq++
	pf := &procFile{File: file, fs: f, seq: f.seq}
	f.open[pf] = true
	return pf, nil
}

func (f *procFS) Stat(name string) (fs.FileInfo, error) {
	f.step("stat %s", name)
	return f.fs.Stat(name)
}

func (f *procFS) ReadDir(name string) ([]fs.DirEntry, error) {
	f.step("readdir %s", name)
	return f.fs.ReadDir(name)
}

func (f *procFS) Mkdir(name string, perm fs.FileMode) error {
	f.step("mkdir %s", name)
	return f.fs.Mkdir(name, perm)
}

func (f *procFS) Remove(name string) error {
	f.step("unlink %s", name)
	return f.fs.Remove(name)
}

func (f *procFS) Rename(oldname, newname string) error {
	f.step("rename %s %s", oldname, newname)
	return f.fs.Rename(oldname, newname)
}

func (f *procFS) Link(oldname, newname string) error {
	f.step("link %s %s", oldname, newname)
	return vfs.Link(f.fs, oldname, newname)
}

func (f *procFS) Chtimes(name string, atime, mtime time.Time) error {
	f.step("utime %s", name)
	return vfs.Chtimes(f.fs, name, atime, mtime)
}

type procFile struct {
	vfs.File
	fs  *procFS
	seq int
}

func (f *procFile) Read(p []byte) (int, error) {
	f.fs.step("read %s", f.Name())
	return f.File.Read(p)
}

func (f *procFile) ReadAt(p []byte, off int64) (int, error) {
	f.fs.step("pread %s @%d", f.Name(), off)
	return f.File.ReadAt(p, off)
}

func (f *procFile) Write(p []byte) (int, error) {
	f.fs.step("write %s %dB", f.Name(), len(p))
	return f.File.Write(p)
}

func (f *procFile) WriteAt(p []byte, off int64) (int, error) {
	f.fs.step("pwrite %s %dB @%d", f.Name(), len(p), off)
	return f.File.WriteAt(p, off)
}

func (f *procFile) Seek(off int64, whence int) (int64, error) {
	f.fs.step("lseek %s %d/%d", f.Name(), off, whence)
	return f.File.Seek(off, whence)
}

func (f *procFile) Stat() (fs.FileInfo, error) {
	f.fs.step("fstat %s", f.Name())
	return f.File.Stat()
}

func (f *procFile) Sync() error {
	f.fs.step("fsync %s", f.Name())
	return f.File.Sync()
}

func (f *procFile) Truncate(size int64) error {
	f.fs.step("ftruncate %s %d", f.Name(), size)
	return f.File.Truncate(size)
}

func (f *procFile) Close() error {
	f.fs.step("close %s", f.Name())
	delete(f.fs.open, f)
	return f.File.Close()
}

func (f *procFile) Lock(typ vfs.LockType, wait bool) error {
	f.fs.step("fcntl %s %d wait=%t", f.Name(), typ, wait)
	return vfs.Lock(f.File, typ, wait)
}

func flagString(flag int) string {
	s := "r"
	switch {
	case flag&vfs.O_RDWR != 0:
		s = "rw"
	case flag&vfs.O_WRONLY != 0:
		s = "w"
	}
	for _, x := range []struct {
		bit  int
		name string
	}{{vfs.O_CREATE, "|creat"}, {vfs.O_EXCL, "|excl"}, {vfs.O_TRUNC, "|trunc"}, {vfs.O_APPEND, "|append"}} {
		if flag&x.bit != 0 {
			s += x.name
		}
	}
	return s
}

func (f *procFile) Mmap() ([]byte, error) {
	f.fs.step("mmap %s", f.Name())
	return vfs.Mmap(f.File)
}
