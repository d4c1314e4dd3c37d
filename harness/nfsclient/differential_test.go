package nfsclient_test

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/nfsmail/nfsmail/vfs"
	"github.com/nfsmail/nfsmail/vfs/memfs"
	"pgregory.net/rapid"
)

// TestDifferentialAgainstMemFS runs random file operations on the reference
// memfs and on one host's noac NFS mount: with one host and no attribute
// caching the two must give the same results.
func TestDifferentialAgainstMemFS(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		w := newWorld(t)
		nfs := w.mountB(t, "a", "noac")
		defer nfs.Close()
		ref := memfs.New(func() time.Time { return epoch.Add(w.clk.t) })
		names := []string{"a", "b", "d/a", "d/b", "d", "e"}
		for i := range rapid.IntRange(1, 40).Draw(rt, "steps") {
			op := rapid.SampledFrom(ops).Draw(rt, "op")
			x := rapid.SampledFrom(names).Draw(rt, "x")
			y := rapid.SampledFrom(names).Draw(rt, "y")
			data := rapid.StringMatching(`[a-z]{0,12}`).Draw(rt, "data")
			want, got := op.run(ref, x, y, data), op.run(nfs, x, y, data)
			if want != got {
				rt.Fatalf("step %d: %s(%s, %s, %q): memfs %q, nfs %q", i, op.name, x, y, data, want, got)
			}
		}
	})
}

type fsOp struct {
	name string
	run  func(fsys vfs.FS, x, y, data string) string
}

func result(s string, err error) string {
	if err != nil {
		return "error " + vfs.Errno(err).Error()
	}
	return s
}

var ops = []fsOp{
	{"put", func(f vfs.FS, x, _, d string) string { return result("", vfs.WriteFile(f, x, []byte(d), 0o644)) }},
	{"cat", func(f vfs.FS, x, _, _ string) string { b, err := vfs.ReadFile(f, x); return result(string(b), err) }},
	{"append", func(f vfs.FS, x, _, d string) string {
		h, err := f.OpenFile(x, vfs.O_WRONLY|vfs.O_APPEND|vfs.O_CREATE, 0o644)
		if err != nil {
			return result("", err)
		}
		h.Write([]byte(d))
		return result("", h.Close())
	}},
	{"excl", func(f vfs.FS, x, _, _ string) string {
		h, err := f.OpenFile(x, vfs.O_WRONLY|vfs.O_CREATE|vfs.O_EXCL, 0o644)
		if err == nil {
			err = h.Close()
		}
		return result("", err)
	}},
	{"stat", func(f vfs.FS, x, _, _ string) string {
		fi, err := f.Stat(x)
		if err != nil {
			return result("", err)
		}
		if fi.IsDir() { // directory sizes are the file system's business
			return fmt.Sprintf("dir nlink=%d", vfs.StatOf(fi).Nlink)
		}
		return fmt.Sprintf("size=%d nlink=%d", fi.Size(), vfs.StatOf(fi).Nlink)
	}},
	{"mkdir", func(f vfs.FS, x, _, _ string) string { return result("", f.Mkdir(x, 0o755)) }},
	{"rm", func(f vfs.FS, x, _, _ string) string { return result("", f.Remove(x)) }},
	{"mv", func(f vfs.FS, x, y, _ string) string { return result("", f.Rename(x, y)) }},
	{"link", func(f vfs.FS, x, y, _ string) string { return result("", vfs.Link(f, x, y)) }},
	{"ls", func(f vfs.FS, x, _, _ string) string {
		ents, err := f.ReadDir(x)
		var names []string
		for _, e := range ents {
			names = append(names, e.Name())
		}
		slices.Sort(names)
		return result(fmt.Sprint(names), err)
	}},
}
