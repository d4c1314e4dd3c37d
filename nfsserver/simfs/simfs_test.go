package simfs

import (
	"errors"
	"io/fs"
	"testing"
	"time"

	"github.com/nfsmail/nfsmail/vfs"
)

// clock is a manual virtual clock.
type clock struct{ t time.Time }

func (c *clock) Now() time.Time          { return c.t }
func (c *clock) Advance(d time.Duration) { c.t = c.t.Add(d) }
func newClock() *clock                   { return &clock{t: time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)} }
func newFS(t *testing.T) (*FS, *clock)   { c := newClock(); return New(Options{Now: c.Now}), c }

// must returns v or fails the test (by panicking: Go cannot pass a
// multi-value call alongside t).
func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

func check(t *testing.T, f *FS) {
	t.Helper()
	if err := f.Check(); err != nil {
		t.Fatalf("fsck: %v", err)
	}
}

func TestRenameExactName(t *testing.T) {
	f, _ := newFS(t)
	nw := must(f.Mkdir(RootIno, "new", 0o700))
	cur := must(f.Mkdir(RootIno, "cur", 0o700))
	for _, name := range []string{"1", "10", "11"} {
		must(f.Create(nw.Ino, name, 0o600, true))
	}
	if err := f.Rename(nw.Ino, "1", cur.Ino, "1:2,S"); err != nil {
		t.Fatal(err)
	}
	ents, _, _ := f.ReadDir(nw.Ino, 0, 0)
	var names []string
	for _, e := range ents {
		names = append(names, e.Name)
	}
	if len(names) != 2 || names[0] != "10" || names[1] != "11" {
		t.Fatalf("new/ holds %v, want [10 11]", names)
	}
	ents, _, _ = f.ReadDir(cur.Ino, 0, 0)
	if len(ents) != 1 || ents[0].Name != "1:2,S" {
		t.Fatalf("cur/ holds %v", ents)
	}
	check(t, f)
}

func TestHardLinkNlink(t *testing.T) {
	f, c := newFS(t)
	a := must(f.Create(RootIno, "a", 0o600, true))
	c.Advance(time.Second)
	l := must(f.Link(a.Ino, RootIno, "b"))
	if l.Nlink != 2 || l.Ino != a.Ino || !l.Ctime.After(a.Ctime) || !l.Mtime.Equal(a.Mtime) {
		t.Fatalf("after link: %+v", l)
	}
	if _, err := f.Link(a.Ino, RootIno, "b"); !errors.Is(err, fs.ErrExist) {
		t.Fatalf("second link: %v, want ErrExist", err)
	}
	must(f.Write(a.Ino, 0, []byte("x")))
	_, b, _ := f.Lookup(RootIno, "b")
	if b.Size != 1 {
		t.Fatalf("write through one name not seen through the other: %+v", b)
	}
	if err := f.Remove(RootIno, "a"); err != nil {
		t.Fatal(err)
	}
	if got := must(f.GetAttr(a.Ino)); got.Nlink != 1 {
		t.Fatalf("nlink after unlink %d", got.Nlink)
	}
	if p := must(f.PathOf(a.Ino)); p != "b" {
		t.Fatalf("PathOf = %q, want b", p)
	}
	d := must(f.Mkdir(RootIno, "d", 0o700))
	if _, err := f.Link(d.Ino, RootIno, "d2"); !errors.Is(err, fs.ErrPermission) {
		t.Fatalf("link of dir: %v", err)
	}
	check(t, f)
}

func TestRemovedInodeIsStale(t *testing.T) {
	f, _ := newFS(t)
	a := must(f.Create(RootIno, "a", 0o600, true))
	if err := f.Remove(RootIno, "a"); err != nil {
		t.Fatal(err)
	}
	for name, err := range map[string]error{
		"getattr": second(f.GetAttr(a.Ino)),
		"pathof":  second(f.PathOf(a.Ino)),
		"write":   second(f.Write(a.Ino, 0, []byte("x"))),
		"link":    second(f.Link(a.Ino, RootIno, "b")),
	} {
		if !errors.Is(err, vfs.ErrStale) {
			t.Errorf("%s: %v, want ErrStale", name, err)
		}
	}
	b := must(f.Create(RootIno, "a", 0o600, true))
	if b.Ino == a.Ino {
		t.Fatal("inode number reused")
	}
}

func second[T any](_ T, err error) error { return err }

func TestTimestamps(t *testing.T) {
	c := newClock()
	f := New(Options{Now: c.Now, Granularity: time.Second})
	c.Advance(300 * time.Millisecond)
	a := must(f.Create(RootIno, "a", 0o600, true))
	if !a.Mtime.Equal(c.t.Truncate(time.Second)) {
		t.Fatalf("mtime %v not truncated", a.Mtime)
	}
	c.Advance(400 * time.Millisecond) // same second: invisible
	w := must(f.Write(a.Ino, 0, []byte("x")))
	if !w.Mtime.Equal(a.Mtime) || !w.Ctime.Equal(a.Ctime) {
		t.Fatalf("write within one tick changed times: %v -> %v", a.Mtime, w.Mtime)
	}
	c.Advance(time.Second)
	w = must(f.Write(a.Ino, 0, []byte("y")))
	if !w.Mtime.After(a.Mtime) || !w.Ctime.Equal(w.Mtime) || !w.Atime.Equal(a.Atime) {
		t.Fatalf("write: %+v", w)
	}
	c.Advance(time.Second)
	root0 := must(f.GetAttr(RootIno))
	if err := f.Rename(RootIno, "a", RootIno, "b"); err != nil {
		t.Fatal(err)
	}
	r := must(f.GetAttr(a.Ino))
	if !r.Mtime.Equal(w.Mtime) || !r.Ctime.After(w.Ctime) {
		t.Fatalf("rename: mtime must stay, ctime move: %+v", r)
	}
	root := must(f.GetAttr(RootIno))
	if !root.Mtime.After(root0.Mtime) || !root.Ctime.Equal(root.Mtime) {
		t.Fatalf("rename: parent times %+v", root)
	}
	c.Advance(time.Second)
	mt := time.Date(2020, 1, 1, 0, 0, 0, 999, time.UTC)
	s := must(f.SetAttr(a.Ino, SetAttr{Mtime: &mt}))
	if !s.Mtime.Equal(mt.Truncate(time.Second)) || !s.Ctime.Equal(c.t.Truncate(time.Second)) {
		t.Fatalf("utimes: %+v", s)
	}
}

func TestDirNlinkAndRmdir(t *testing.T) {
	f, _ := newFS(t)
	d := must(f.Mkdir(RootIno, "d", 0o700))
	must(f.Mkdir(d.Ino, "e", 0o700))
	must(f.Create(d.Ino, "x", 0o600, true))
	if got := must(f.GetAttr(d.Ino)); got.Nlink != 3 {
		t.Fatalf("dir nlink %d, want 3", got.Nlink)
	}
	if got := must(f.GetAttr(RootIno)); got.Nlink != 3 {
		t.Fatalf("root nlink %d, want 3", got.Nlink)
	}
	if err := f.Rmdir(RootIno, "d"); !errors.Is(err, vfs.ErrNotEmpty) {
		t.Fatalf("rmdir non-empty: %v", err)
	}
	if err := f.Remove(RootIno, "d"); !errors.Is(err, vfs.ErrIsDir) {
		t.Fatalf("remove dir: %v", err)
	}
	if err := f.Rmdir(d.Ino, "x"); !errors.Is(err, vfs.ErrNotDir) {
		t.Fatalf("rmdir file: %v", err)
	}
	check(t, f)
}

func TestRenameCases(t *testing.T) {
	tests := []struct {
		name     string
		from, to string
		want     error
	}{
		{"file over file", "f1", "f2", nil},
		{"onto itself", "f1", "f1", nil},
		{"hard link onto its twin", "f1", "f1link", nil},
		{"dir over empty dir", "d1", "empty", nil},
		{"dir over non-empty dir", "empty", "d1", vfs.ErrNotEmpty},
		{"file over dir", "f1", "empty", vfs.ErrIsDir},
		{"dir over file", "empty", "f1", vfs.ErrNotDir},
		{"dir into itself", "d1", "d1/sub/x", fs.ErrInvalid},
		{"missing source", "nope", "x", fs.ErrNotExist},
		{"missing target dir", "f1", "nope/x", fs.ErrNotExist},
		{"over ancestor of source", "d1/sub/y", "d1", vfs.ErrNotEmpty},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, _ := newFS(t)
			b := f.Billy()
			for _, d := range []string{"d1/sub", "empty"} {
				if err := b.MkdirAll(d, 0o700); err != nil {
					t.Fatal(err)
				}
			}
			for _, p := range []string{"f1", "f2", "d1/sub/y"} {
				must(b.Create(p))
			}
			if err := b.Link("f1", "f1link"); err != nil {
				t.Fatal(err)
			}
			err := b.Rename(tt.from, tt.to)
			if tt.want == nil && err != nil || tt.want != nil && !errors.Is(err, tt.want) {
				t.Fatalf("rename %s %s: %v, want %v", tt.from, tt.to, err, tt.want)
			}
			check(t, f)
		})
	}
}

func TestRenameReplacesTarget(t *testing.T) {
	f, _ := newFS(t)
	a := must(f.Create(RootIno, "a", 0o600, true))
	b := must(f.Create(RootIno, "b", 0o600, true))
	must(f.Link(b.Ino, RootIno, "b2"))
	if err := f.Rename(RootIno, "a", RootIno, "b"); err != nil {
		t.Fatal(err)
	}
	if got := must(f.GetAttr(b.Ino)); got.Nlink != 1 {
		t.Fatalf("replaced target nlink %d, want 1", got.Nlink)
	}
	ino, _, _ := f.Lookup(RootIno, "b")
	if ino != a.Ino {
		t.Fatalf("b is ino %d, want %d", ino, a.Ino)
	}
	if err := f.Rename(RootIno, "b", RootIno, "b2"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.GetAttr(b.Ino); !errors.Is(err, vfs.ErrStale) {
		t.Fatalf("last name replaced, want stale: %v", err)
	}
	check(t, f)
}

func TestReadDirCookies(t *testing.T) {
	f, _ := newFS(t)
	for _, n := range []string{"c", "a", "b"} {
		must(f.Create(RootIno, n, 0o600, true))
	}
	page, eof, _ := f.ReadDir(RootIno, 0, 2)
	if len(page) != 2 || eof || page[0].Name != "c" || page[1].Name != "a" {
		t.Fatalf("page 1: %v eof=%v", page, eof)
	}
	if err := f.Remove(RootIno, "c"); err != nil {
		t.Fatal(err)
	}
	must(f.Create(RootIno, "d", 0o600, true))
	rest, eof, _ := f.ReadDir(RootIno, page[1].Cookie, 10)
	if len(rest) != 2 || !eof || rest[0].Name != "b" || rest[1].Name != "d" {
		t.Fatalf("page 2: %v eof=%v", rest, eof)
	}
}

func TestReadWrite(t *testing.T) {
	f, c := newFS(t)
	a := must(f.Create(RootIno, "a", 0o600, true))
	must(f.Write(a.Ino, 3, []byte("xyz")))
	c.Advance(time.Second)
	data, eof, err := f.Read(a.Ino, 0, 10)
	if err != nil || string(data) != "\x00\x00\x00xyz" || !eof {
		t.Fatalf("read %q %v %v", data, eof, err)
	}
	got := must(f.GetAttr(a.Ino))
	if !got.Atime.After(got.Mtime) {
		t.Fatalf("read did not update atime: %+v", got)
	}
	if _, err := f.Write(a.Ino, MaxFileSize, []byte("x")); !errors.Is(err, vfs.ErrNoSpace) {
		t.Fatalf("huge write: %v", err)
	}
	size := int64(1)
	s := must(f.SetAttr(a.Ino, SetAttr{Size: &size}))
	if s.Size != 1 {
		t.Fatalf("truncate: %+v", s)
	}
	if _, _, err := f.Read(RootIno, 0, 1); !errors.Is(err, vfs.ErrIsDir) {
		t.Fatalf("read dir: %v", err)
	}
}

func TestBadNames(t *testing.T) {
	f, _ := newFS(t)
	for _, n := range []string{"", ".", "..", "a/b", "x\x00"} {
		if _, err := f.Create(RootIno, n, 0o600, true); !errors.Is(err, fs.ErrInvalid) {
			t.Errorf("create %q: %v", n, err)
		}
	}
	if _, err := f.Create(99, "a", 0o600, true); !errors.Is(err, vfs.ErrStale) {
		t.Errorf("create in unknown dir: %v", err)
	}
}
