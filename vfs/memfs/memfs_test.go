package memfs_test

import (
	"errors"
	"io/fs"
	"slices"
	"testing"
	"time"

	"github.com/nfsmail/nfsmail/vfs"
	"github.com/nfsmail/nfsmail/vfs/memfs"
)

// Each script runs against memfs and the real OS file system; every line's
// rendered result must agree.
var differential = []struct{ name, script string }{
	{"excl", `
put a hello
open h a excl
open h b excl
write h x
close h
cat b`},
	{"append", `
put a abc
open h a append
seek h 0 0
write h XY
close h
cat a
open g a rw
write g 12
close g
cat a`},
	{"truncate", `
put a hello
open h a rw
truncate h 2
read h
truncate h 4
seek h 0 0
read h
fstat h
close h
open t a trunc
fstat t`},
	{"link-nlink", `
put a data
link a b
stat a
stat b
link a b
link missing c
rm a
stat b
cat b`},
	{"remove", `
mkdir d
put d/f x
rm d
rm d/f
rm d
rm d
stat d`},
	{"rename-maildir", `
mkdir new
mkdir cur
put new/1 one
put new/10 ten
mv new/1 cur/1:2,
ls new
ls cur
cat new/10
cat cur/1:2,`},
	{"rename-replace", `
put a A
put b B
stat b
open h b r
mv a b
stat b
cat b
read h
ls .`},
	{"rename-dirs", `
mkdir d
mkdir e
put e/f x
put g y
mv d e
mv g d
mv d g
mv d d/x
mv e d
ls d
mv missing z`},
	{"rename-same-inode", `
put a x
link a b
mv a b
ls .
stat a`},
	{"unlinked-open-file", `
open h a rw
write h hello
rm a
seek h 0 0
read h
stat a`},
	{"paths", `
put f x
mkdir f
stat f/x
put f/x y
mkdir a/b
open h nodir/x rw
ls f
ls nope`},
	{"dirs-read-only", `
mkdir d
open h d w
open r d r
fstat r
close r`},
}

func TestDifferentialAgainstOS(t *testing.T) {
	for _, tc := range differential {
		t.Run(tc.name, func(t *testing.T) {
			got := runScript(memfs.New(newClock().Now), tc.script)
			want := runScript(osFS{root: t.TempDir()}, tc.script)
			if !slices.Equal(got, want) {
				for i := range want {
					if i >= len(got) || got[i] != want[i] {
						t.Errorf("memfs: %s\n    os: %s", got[i], want[i])
					}
				}
			}
		})
	}
}

type clock struct{ t time.Time }

func newClock() *clock           { return &clock{t: time.Unix(1_700_000_000, 0)} }
func (c *clock) Now() time.Time  { return c.t }
func (c *clock) tick() time.Time { c.t = c.t.Add(time.Second); return c.t }

func TestTimestamps(t *testing.T) {
	c := newClock()
	fsys := memfs.New(c.Now)
	t0 := c.t
	if err := vfs.WriteFile(fsys, "a", []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	t1 := c.tick()
	if err := vfs.Chtimes(fsys, "a", t0.Add(-time.Hour), t0.Add(-2*time.Hour)); err != nil {
		t.Fatal(err)
	}
	st := statOf(t, fsys, "a")
	if !st.Atime.Equal(t0.Add(-time.Hour)) || !st.Mtime.Equal(t0.Add(-2*time.Hour)) || !st.Ctime.Equal(t1) {
		t.Errorf("after chtimes: %+v", st)
	}
	t2 := c.tick()
	if _, err := vfs.ReadFile(fsys, "a"); err != nil {
		t.Fatal(err)
	}
	if st := statOf(t, fsys, "a"); !st.Atime.Equal(t2) || st.Mtime.Equal(t2) {
		t.Errorf("read must update atime only: %+v", st)
	}
	t3 := c.tick()
	if err := fsys.Rename("a", "b"); err != nil {
		t.Fatal(err)
	}
	if st := statOf(t, fsys, "b"); !st.Ctime.Equal(t3) || st.Mtime.Equal(t3) {
		t.Errorf("rename must update ctime only: %+v", st)
	}
	if st := statOf(t, fsys, "."); !st.Mtime.Equal(t3) {
		t.Errorf("directory mtime after rename = %v, want %v", st.Mtime, t3)
	}
}

func statOf(t *testing.T, fsys vfs.FS, name string) *vfs.Stat {
	t.Helper()
	fi, err := fsys.Stat(name)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Sys().(*vfs.Stat)
}

func TestErrorsAreSentinels(t *testing.T) {
	fsys := memfs.New(nil)
	_ = fsys.Mkdir("d", 0o755)
	_ = vfs.WriteFile(fsys, "d/f", nil, 0o644)
	err := fsys.Remove("d")
	var pe *fs.PathError
	if !errors.Is(err, vfs.ErrNotEmpty) || !errors.As(err, &pe) {
		t.Errorf("Remove(non-empty dir) = %v, want *fs.PathError wrapping vfs.ErrNotEmpty", err)
	}
	_, err = fsys.OpenFile("d/f", vfs.O_CREATE|vfs.O_EXCL|vfs.O_WRONLY, 0o644)
	if !errors.Is(err, fs.ErrExist) {
		t.Errorf("O_EXCL on existing = %v", err)
	}
	err = fsys.Rename("nope", "x")
	var le *vfs.LinkError
	if !errors.Is(err, fs.ErrNotExist) || !errors.As(err, &le) {
		t.Errorf("Rename(missing) = %v, want *LinkError wrapping fs.ErrNotExist", err)
	}
	if _, err := fsys.Stat("/abs"); !errors.Is(err, fs.ErrInvalid) {
		t.Errorf("Stat(/abs) = %v", err)
	}
}

func TestLocks(t *testing.T) {
	fsys := memfs.New(nil)
	a, _ := fsys.OpenFile("f", vfs.O_RDWR|vfs.O_CREATE, 0o644)
	b, _ := fsys.OpenFile("f", vfs.O_RDWR, 0)
	r, _ := fsys.OpenFile("f", vfs.O_RDONLY, 0)
	must(t, vfs.Lock(a, vfs.ReadLock, false))
	must(t, vfs.Lock(b, vfs.ReadLock, false))
	if err := vfs.Lock(b, vfs.WriteLock, false); !errors.Is(err, vfs.ErrWouldBlock) {
		t.Errorf("upgrade with another reader = %v, want ErrWouldBlock", err)
	}
	if err := vfs.Lock(r, vfs.WriteLock, false); !errors.Is(err, fs.ErrPermission) {
		t.Errorf("write lock on read-only file = %v", err)
	}
	must(t, vfs.Lock(a, vfs.Unlock, false))
	must(t, vfs.Lock(b, vfs.WriteLock, false))
	done := make(chan error)
	go func() { done <- vfs.Lock(a, vfs.ReadLock, true) }()
	must(t, b.Close()) // releases b's lock and wakes the waiter
	if err := <-done; err != nil {
		t.Errorf("blocking lock after release = %v", err)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
