package vfstest

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"slices"

	"github.com/nfsmail/nfsmail/vfs"
)

// checker accumulates problems.
type checker struct {
	fsys vfs.FS
	dir  string
	errs []error
}

func (c *checker) errorf(format string, args ...any) {
	c.errs = append(c.errs, fmt.Errorf(format, args...))
}

func (c *checker) path(name string) string { return c.dir + "/" + name }

// TestFS checks fsys in a fresh directory dir (created by TestFS; it must
// not exist). It returns nil or every problem found, joined.
func TestFS(fsys vfs.FS, dir string) error {
	c := &checker{fsys: fsys, dir: dir}
	if err := fsys.Mkdir(dir, 0o755); err != nil {
		return fmt.Errorf("vfstest: mkdir %s: %w", dir, err)
	}
	for _, check := range []func(*checker){
		(*checker).createReadBack, (*checker).exclusive, (*checker).appendAndSeek,
		(*checker).truncate, (*checker).links, (*checker).renames, (*checker).removes,
		(*checker).readDir, (*checker).pathErrors,
	} {
		check(c)
	}
	return errors.Join(c.errs...)
}

func (c *checker) write(name string, data string) bool {
	if err := vfs.WriteFile(c.fsys, c.path(name), []byte(data), 0o644); err != nil {
		c.errorf("write %s: %v", name, err)
		return false
	}
	return true
}

func (c *checker) expect(name, want string) {
	got, err := vfs.ReadFile(c.fsys, c.path(name))
	if err != nil {
		c.errorf("read %s: %v", name, err)
	} else if string(got) != want {
		c.errorf("read %s = %q, want %q", name, got, want)
	}
}

func (c *checker) expectSize(name string, want int64) {
	fi, err := c.fsys.Stat(c.path(name))
	if err != nil {
		c.errorf("stat %s: %v", name, err)
	} else if fi.Size() != want {
		c.errorf("stat %s: size %d, want %d", name, fi.Size(), want)
	}
}

func (c *checker) createReadBack() {
	if !c.write("a", "hello") {
		return
	}
	c.expect("a", "hello")
	c.expectSize("a", 5)
	f, err := c.fsys.OpenFile(c.path("a"), vfs.O_RDONLY, 0)
	if err != nil {
		c.errorf("open a: %v", err)
		return
	}
	defer f.Close()
	buf := make([]byte, 3)
	if n, err := f.ReadAt(buf, 2); (err != nil && err != io.EOF) || string(buf[:n]) != "llo" {
		c.errorf("ReadAt(2) = %q, %v", buf[:n], err)
	}
	if fi, err := f.Stat(); err != nil || fi.Size() != 5 || fi.IsDir() {
		c.errorf("fstat a = %v, %v", fi, err)
	}
	if _, err := f.Write([]byte("x")); err == nil {
		c.errorf("write to a read-only open file succeeded")
	}
}

func (c *checker) exclusive() {
	f, err := c.fsys.OpenFile(c.path("x"), vfs.O_WRONLY|vfs.O_CREATE|vfs.O_EXCL, 0o600)
	if err != nil {
		c.errorf("O_EXCL create of a new file: %v", err)
		return
	}
	f.Close()
	if _, err := c.fsys.OpenFile(c.path("x"), vfs.O_WRONLY|vfs.O_CREATE|vfs.O_EXCL, 0o600); !errors.Is(err, fs.ErrExist) {
		c.errorf("O_EXCL create of an existing file: %v, want fs.ErrExist", err)
	}
	if _, err := c.fsys.OpenFile(c.path("missing"), vfs.O_RDONLY, 0); !errors.Is(err, fs.ErrNotExist) {
		c.errorf("open of a missing file: %v, want fs.ErrNotExist", err)
	}
}

func (c *checker) appendAndSeek() {
	if !c.write("log", "01") {
		return
	}
	f, err := c.fsys.OpenFile(c.path("log"), vfs.O_WRONLY|vfs.O_APPEND, 0)
	if err != nil {
		c.errorf("open log for append: %v", err)
		return
	}
	f.Write([]byte("23"))
	if off, err := f.Seek(0, io.SeekEnd); err != nil || off != 4 {
		c.errorf("lseek(SEEK_END) after append = %d, %v; want 4", off, err)
	}
	f.Write([]byte("45"))
	if err := f.Close(); err != nil {
		c.errorf("close log: %v", err)
	}
	c.expect("log", "012345")
}

func (c *checker) truncate() {
	if !c.write("t", "0123456789") {
		return
	}
	f, err := c.fsys.OpenFile(c.path("t"), vfs.O_RDWR, 0)
	if err != nil {
		c.errorf("open t: %v", err)
		return
	}
	if err := f.Truncate(4); err != nil {
		c.errorf("truncate: %v", err)
	}
	f.Close()
	c.expect("t", "0123")
	if !c.write("t", "ab") {
		return
	}
	c.expect("t", "ab") // O_TRUNC
}

func nlink(fsys vfs.FS, name string) (uint32, error) {
	fi, err := fsys.Stat(name)
	if err != nil {
		return 0, err
	}
	return vfs.StatOf(fi).Nlink, nil
}

func (c *checker) links() {
	if _, ok := c.fsys.(vfs.LinkFS); !ok {
		return
	}
	if !c.write("l1", "shared") {
		return
	}
	if err := vfs.Link(c.fsys, c.path("l1"), c.path("l2")); err != nil {
		c.errorf("link: %v", err)
		return
	}
	if n, err := nlink(c.fsys, c.path("l1")); err != nil || n != 2 {
		c.errorf("nlink after link = %d, %v; want 2", n, err)
	}
	if err := vfs.Link(c.fsys, c.path("l1"), c.path("l2")); !errors.Is(err, fs.ErrExist) {
		c.errorf("link onto an existing name: %v, want fs.ErrExist", err)
	}
	a, _ := c.fsys.Stat(c.path("l1"))
	b, _ := c.fsys.Stat(c.path("l2"))
	if a == nil || b == nil || vfs.StatOf(a).Ino != vfs.StatOf(b).Ino {
		c.errorf("two links of one file report different inodes")
	}
	c.fsys.Remove(c.path("l2"))
	if n, err := nlink(c.fsys, c.path("l1")); err != nil || n != 1 {
		c.errorf("nlink after unlinking the second name = %d, %v; want 1", n, err)
	}
}

func (c *checker) renames() {
	if err := c.fsys.Mkdir(c.path("new"), 0o755); err != nil {
		c.errorf("mkdir new: %v", err)
		return
	}
	c.write("new/1", "one")
	c.write("new/10", "ten")
	c.write("target", "old")
	if err := c.fsys.Rename(c.path("new/1"), c.path("target")); err != nil {
		c.errorf("rename over an existing file: %v", err)
	}
	c.expect("target", "one")
	c.expect("new/10", "ten") // an exact-name rename must not move prefixes
	if _, err := c.fsys.Stat(c.path("new/1")); !errors.Is(err, fs.ErrNotExist) {
		c.errorf("the old name still exists after rename: %v", err)
	}
	if err := c.fsys.Rename(c.path("nothing"), c.path("x2")); !errors.Is(err, fs.ErrNotExist) {
		c.errorf("rename of a missing file: %v, want fs.ErrNotExist", err)
	}
	// Linux compares the target with the source's ancestors before it
	// compares types: a file renamed onto its own parent is ENOTEMPTY, onto
	// any other directory EISDIR.
	if err := c.fsys.Rename(c.path("new/10"), c.path("new")); !errors.Is(err, vfs.ErrNotEmpty) {
		c.errorf("rename of a file onto its own parent: %v, want vfs.ErrNotEmpty", err)
	}
	if err := c.fsys.Rename(c.path("target"), c.path("new")); !errors.Is(err, vfs.ErrIsDir) {
		c.errorf("rename of a file onto a directory: %v, want vfs.ErrIsDir", err)
	}
}

func (c *checker) removes() {
	c.fsys.Mkdir(c.path("d"), 0o755)
	c.write("d/f", "x")
	if err := c.fsys.Remove(c.path("d")); !errors.Is(err, vfs.ErrNotEmpty) {
		c.errorf("remove of a non-empty directory: %v, want vfs.ErrNotEmpty", err)
	}
	if err := c.fsys.Remove(c.path("d/f")); err != nil {
		c.errorf("remove d/f: %v", err)
	}
	if err := c.fsys.Remove(c.path("d")); err != nil {
		c.errorf("remove of an empty directory: %v", err)
	}
	if _, err := c.fsys.Stat(c.path("d")); !errors.Is(err, fs.ErrNotExist) {
		c.errorf("stat after remove: %v, want fs.ErrNotExist", err)
	}
	if err := c.fsys.Mkdir(c.path("a"), 0o755); !errors.Is(err, fs.ErrExist) {
		c.errorf("mkdir over a file: %v, want fs.ErrExist", err)
	}
}

// readDir cross-checks listing with Stat: every way of reading the same
// data must agree.
func (c *checker) readDir() {
	c.fsys.Mkdir(c.path("list"), 0o755)
	want := []string{"a", "b", "c1", "c10", "c2"}
	for _, n := range []string{"c10", "a", "c2", "b", "c1"} {
		c.write("list/"+n, n)
	}
	ents, err := c.fsys.ReadDir(c.path("list"))
	if err != nil {
		c.errorf("readdir: %v", err)
		return
	}
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
		info, err := e.Info()
		if err != nil {
			c.errorf("readdir entry %s: Info: %v", e.Name(), err)
			continue
		}
		if info.Size() != int64(len(e.Name())) || e.IsDir() {
			c.errorf("readdir entry %s: size %d dir %v", e.Name(), info.Size(), e.IsDir())
		}
	}
	if !slices.Equal(names, want) {
		c.errorf("readdir = %v, want %v (sorted, complete)", names, want)
	}
	data, _ := vfs.ReadFile(c.fsys, c.path("list/c10"))
	if !bytes.Equal(data, []byte("c10")) {
		c.errorf("listed file reads %q", data)
	}
}

func (c *checker) pathErrors() {
	_, err := c.fsys.Stat(c.path("no/such/file"))
	var pe *fs.PathError
	if !errors.As(err, &pe) {
		c.errorf("errors must be *fs.PathError, got %T %v", err, err)
	}
}
