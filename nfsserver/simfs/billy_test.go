package simfs

import (
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
	"time"

	nfs "github.com/willscott/go-nfs"
	"github.com/willscott/go-nfs/file"
)

var _ nfs.UnixChange = (*Billy)(nil)

func TestBillyWriteSharesInode(t *testing.T) {
	f, c := newFS(t)
	b := f.Billy()
	h := must(b.Create("m"))
	if err := h.Close(); err != nil {
		t.Fatal(err)
	}
	before := must(b.Stat("m"))
	c.Advance(time.Second)
	// go-nfs opens the file anew for every WRITE.
	w := must(b.OpenFile("m", os.O_RDWR, 0))
	if _, err := w.Seek(2, io.SeekStart); err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write([]byte("hi")); err != nil {
		t.Fatal(err)
	}
	_ = w.Close()
	after := must(b.Stat("m"))
	if after.Size() != 4 || !after.ModTime().After(before.ModTime()) {
		t.Fatalf("write not visible: size %d mtime %v -> %v", after.Size(), before.ModTime(), after.ModTime())
	}
	r := must(b.Open("m"))
	buf := make([]byte, 4)
	if n, err := r.ReadAt(buf, 0); n != 4 || err != nil || string(buf) != "\x00\x00hi" {
		t.Fatalf("ReadAt %d %v %q", n, err, buf)
	}
	if _, err := r.Write([]byte("x")); !errors.Is(err, fs.ErrPermission) {
		t.Fatalf("write on read-only file: %v", err)
	}
}

func TestBillySys(t *testing.T) {
	f, _ := newFS(t)
	b := f.Billy()
	must(b.Create("a"))
	if err := b.Link("a", "b"); err != nil {
		t.Fatal(err)
	}
	fi := must(b.Lstat("b"))
	info := file.GetInfo(fi)
	a, _ := f.Resolve("a")
	if info == nil || info.Nlink != 2 || info.Fileid != uint64(a.Ino) {
		t.Fatalf("Sys() = %#v", fi.Sys())
	}
	fa := nfs.ToFileAttribute(fi, "b")
	if fa.Fileid != uint64(a.Ino) || fa.Nlink != 2 {
		t.Fatalf("go-nfs attribute %+v", fa)
	}
}

func TestBillyOpenFlags(t *testing.T) {
	f, _ := newFS(t)
	b := f.Billy()
	h := must(b.Create("a"))
	_, _ = h.Write([]byte("data"))
	if _, err := b.OpenFile("a", os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600); !os.IsExist(err) {
		t.Fatalf("O_EXCL on existing: %v", err)
	}
	// go-nfs's SETATTR size path opens with O_WRONLY|O_EXCL.
	w := must(b.OpenFile("a", os.O_WRONLY|os.O_EXCL, 0))
	if err := w.Truncate(1); err != nil {
		t.Fatal(err)
	}
	if fi := must(b.Stat("a")); fi.Size() != 1 {
		t.Fatalf("size %d", fi.Size())
	}
	if _, err := b.Open("nope"); !os.IsNotExist(err) {
		t.Fatalf("open missing: %v", err)
	}
	if err := b.MkdirAll("d/e", 0o700); err != nil {
		t.Fatal(err)
	}
	if _, err := b.OpenFile("d", os.O_RDWR, 0); err == nil {
		t.Fatal("opened dir for writing")
	}
	if err := b.MkdirAll("a/x", 0o700); err == nil {
		t.Fatal("MkdirAll through a file")
	}
	a := must(b.OpenFile("a", os.O_WRONLY|os.O_APPEND, 0))
	_, _ = a.Write([]byte("zz"))
	if fi := must(b.Stat("/a")); fi.Size() != 3 {
		t.Fatalf("append: size %d", fi.Size())
	}
	infos := must(b.ReadDir("/"))
	if len(infos) != 2 || infos[0].Name() != "a" || !infos[1].IsDir() {
		t.Fatalf("readdir %v", infos)
	}
}

func TestBillyChange(t *testing.T) {
	f, c := newFS(t)
	b := f.Billy()
	must(b.Create("a"))
	c.Advance(time.Second)
	if err := b.Chmod("a", 0o640); err != nil {
		t.Fatal(err)
	}
	if err := b.Chown("a", 5, 6); err != nil {
		t.Fatal(err)
	}
	at := must(f.Resolve("a"))
	if at.Mode != 0o640 || at.UID != 5 || at.GID != 6 || !at.Ctime.After(at.Mtime) {
		t.Fatalf("attrs %+v", at)
	}
	if err := b.Symlink("a", "s"); err != nil {
		t.Fatal(err)
	}
	if target := must(b.Readlink("s")); target != "a" {
		t.Fatalf("readlink %q", target)
	}
	if err := b.Mknod("n", 0, 0, 0); err == nil {
		t.Fatal("mknod succeeded")
	}
	tf := must(b.TempFile("", "tmp"))
	if tf.Name() != "tmp1" {
		t.Fatalf("temp file %q", tf.Name())
	}
}

func TestWriteToLoad(t *testing.T) {
	f, _ := newFS(t)
	b := f.Billy()
	if err := b.MkdirAll("Maildir/cur", 0o700); err != nil {
		t.Fatal(err)
	}
	h := must(b.Create("Maildir/cur/1"))
	_, _ = h.Write([]byte("mail"))
	if err := b.Link("Maildir/cur/1", "Maildir/lock"); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := f.WriteTo(dir); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(filepath.Join(dir, "Maildir/cur/1"))
	if err != nil || string(data) != "mail" {
		t.Fatalf("dumped %q %v", data, err)
	}
	c := newClock()
	g, err := Load(dir, Options{Now: c.Now})
	if err != nil {
		t.Fatal(err)
	}
	check(t, g)
	a := must(g.Resolve("Maildir/lock"))
	if a.Nlink != 2 || a.Size != 4 {
		t.Fatalf("loaded %+v", a)
	}
	orig := must(f.Resolve("Maildir/cur/1"))
	if !a.Mtime.Equal(orig.Mtime) {
		t.Fatalf("mtime %v, want %v", a.Mtime, orig.Mtime)
	}
}
