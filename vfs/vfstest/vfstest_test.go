package vfstest_test

import (
	"io/fs"
	"strings"
	"testing"
	"time"

	"github.com/nfsmail/nfsmail/vfs"
	"github.com/nfsmail/nfsmail/vfs/memfs"
	"github.com/nfsmail/nfsmail/vfs/vfstest"
)

func clock() (func() time.Time, func(time.Duration)) {
	t := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	return func() time.Time { return t }, func(d time.Duration) { t = t.Add(d) }
}

func TestMemFS(t *testing.T) {
	now, advance := clock()
	fsys := memfs.New(now)
	if err := vfstest.TestFS(fsys, "conf"); err != nil {
		t.Fatal(err)
	}
	if err := vfstest.TestCoherence(fsys, fsys, "coh", vfstest.Promise{CTO: true}, advance); err != nil {
		t.Fatal(err)
	}
}

// prefixRename renames every name that starts with the old name, like the
// go-billy memfs bug: new/1 -> cur/1 also moves new/10.
type prefixRename struct{ vfs.FS }

func (p prefixRename) Rename(oldname, newname string) error {
	dir := oldname[:strings.LastIndex(oldname, "/")]
	ents, _ := p.FS.ReadDir(dir)
	if err := p.FS.Rename(oldname, newname); err != nil {
		return err
	}
	for _, e := range ents {
		full := dir + "/" + e.Name()
		if full != oldname && strings.HasPrefix(full, oldname) {
			p.FS.Rename(full, newname+strings.TrimPrefix(full, oldname))
		}
	}
	return nil
}

// frozenStat caches every Stat forever: never coherent.
type frozenStat struct {
	vfs.FS
	seen map[string]fs.FileInfo
}

func (f *frozenStat) Stat(name string) (fs.FileInfo, error) {
	if fi, ok := f.seen[name]; ok {
		return fi, nil
	}
	fi, err := f.FS.Stat(name)
	if err == nil {
		f.seen[name] = fi
	}
	return fi, err
}

func TestSuitesCatchBrokenFileSystems(t *testing.T) {
	now, advance := clock()
	if err := vfstest.TestFS(prefixRename{memfs.New(now)}, "d"); err == nil || !strings.Contains(err.Error(), "new/10") {
		t.Errorf("TestFS missed a prefix-renaming FS: %v", err)
	}
	store := memfs.New(now)
	frozen := &frozenStat{FS: store, seen: map[string]fs.FileInfo{}}
	err := vfstest.TestCoherence(store, frozen, "c", vfstest.Promise{CTO: true, AttrMin: time.Second, AttrMax: 2 * time.Second}, advance)
	if err == nil || !strings.Contains(err.Error(), "new size must show") {
		t.Errorf("TestCoherence missed a never-revalidating FS: %v", err)
	}
	// A store that is coherent at once breaks a promise of staleness that
	// a Linux client is certain to show.
	err = vfstest.TestCoherence(store, store, "s", vfstest.Promise{CTO: true, AttrMin: time.Second, AttrMax: 2 * time.Second}, advance)
	if err == nil || !strings.Contains(err.Error(), "cached size must still show") {
		t.Errorf("TestCoherence missed missing staleness: %v", err)
	}
}
