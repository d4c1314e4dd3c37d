package nfsclient_test

import (
	"errors"
	"io"
	"io/fs"
	"strings"
	"testing"
	"time"

	"github.com/nfsmail/nfsmail/harness/nfsclient"
	"github.com/nfsmail/nfsmail/nfsserver"
	"github.com/nfsmail/nfsmail/nfsserver/simfs"
	"github.com/nfsmail/nfsmail/vfs"
)

// clock is a manual virtual clock shared by the server and the clients.
type clock struct {
	t       time.Duration
	onSleep func() // what "other processes" do while a caller sleeps
}

func (c *clock) Now() time.Duration     { return c.t }
func (c *clock) Charge(d time.Duration) { c.t += d }
func (c *clock) Sleep(d time.Duration) {
	c.t += d
	if c.onSleep != nil {
		c.onSleep()
	}
}

var epoch = time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)

type world struct {
	t   *testing.T
	clk *clock
	srv *nfsserver.Server
}

func newWorld(t *testing.T) *world {
	t.Helper()
	clk := &clock{}
	store := simfs.New(simfs.Options{Now: func() time.Time { return epoch.Add(clk.t) }})
	srv := nfsserver.New(store, nfsserver.Options{WriteVerifier: [8]byte{1}})
	t.Cleanup(func() { srv.Close() })
	return &world{t: t, clk: clk, srv: srv}
}

func (w *world) mount(host, opts string) *nfsclient.Mount {
	w.t.Helper()
	m := w.mountB(w.t, host, opts)
	w.t.Cleanup(func() { m.Close() })
	return m
}

func (w *world) mountB(tb testing.TB, host, opts string) *nfsclient.Mount {
	tb.Helper()
	o, err := nfsclient.ParseOptions(opts)
	if err != nil {
		tb.Fatal(err)
	}
	conn, err := w.srv.Dial(host)
	if err != nil {
		tb.Fatal(err)
	}
	m, err := nfsclient.Dial(conn, nfsclient.Config{Host: host, Options: o, Clock: w.clk})
	if err != nil {
		tb.Fatal(err)
	}
	return m
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func write(t *testing.T, fsys vfs.FS, name, data string) {
	t.Helper()
	must(t, vfs.WriteFile(fsys, name, []byte(data), 0o644))
}

func read(t *testing.T, fsys vfs.FS, name string) string {
	t.Helper()
	b, err := vfs.ReadFile(fsys, name)
	must(t, err)
	return string(b)
}

func TestSingleHostFileOperations(t *testing.T) {
	w := newWorld(t)
	m := w.mount("a", "")
	must(t, m.Mkdir("d", 0o755))
	write(t, m, "d/x", "hello")
	if got := read(t, m, "d/x"); got != "hello" {
		t.Fatalf("read %q", got)
	}
	must(t, m.Rename("d/x", "d/y"))
	if _, err := m.Stat("d/x"); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("stat after rename: %v", err)
	}
	must(t, m.Link("d/y", "d/z"))
	fi, err := m.Stat("d/z")
	must(t, err)
	if n := vfs.StatOf(fi).Nlink; n != 2 {
		t.Fatalf("nlink %d after link, want 2", n)
	}
	if err := m.Link("d/y", "d/z"); !errors.Is(err, fs.ErrExist) {
		t.Fatalf("second link: %v", err)
	}
	ents, err := m.ReadDir("d")
	must(t, err)
	if len(ents) != 2 || ents[0].Name() != "y" || ents[1].Name() != "z" {
		t.Fatalf("readdir = %v", ents)
	}
	must(t, m.Remove("d/y"))
	must(t, m.Remove("d/z"))
	if err := m.Remove("d"); err != nil {
		t.Fatalf("rmdir: %v", err)
	}
}

func TestExclusiveCreate(t *testing.T) {
	w := newWorld(t)
	a, b := w.mount("a", ""), w.mount("b", "")
	f, err := a.OpenFile("lock", vfs.O_WRONLY|vfs.O_CREATE|vfs.O_EXCL, 0o644)
	must(t, err)
	must(t, f.Close())
	if _, err := b.OpenFile("lock", vfs.O_WRONLY|vfs.O_CREATE|vfs.O_EXCL, 0o644); !errors.Is(err, fs.ErrExist) {
		t.Fatalf("second O_EXCL create from another host: %v", err)
	}
}

// A size change by host B stays invisible to host A while A's cached
// attributes are fresh (acregmin), and becomes visible after.
func TestStaleSizeWithinACRegMin(t *testing.T) {
	w := newWorld(t)
	a, b := w.mount("a", ""), w.mount("b", "")
	write(t, a, "f", "1234")
	fi, err := a.Stat("f")
	must(t, err)
	write(t, b, "f", "12345678")
	fi, err = a.Stat("f")
	must(t, err)
	if fi.Size() != 4 {
		t.Fatalf("A saw size %d at once; the attribute cache should hide B's write", fi.Size())
	}
	w.clk.t += 4 * time.Second
	fi, err = a.Stat("f")
	must(t, err)
	if fi.Size() != 8 {
		t.Fatalf("A still sees size %d after acregmin", fi.Size())
	}
}

// Close-to-open: after B closes, A's open revalidates and reads B's data,
// even within the attribute cache window.
func TestCloseToOpen(t *testing.T) {
	w := newWorld(t)
	a, b := w.mount("a", ""), w.mount("b", "")
	write(t, a, "f", "old!")
	if got := read(t, a, "f"); got != "old!" {
		t.Fatal(got)
	}
	write(t, b, "f", "new data")
	if got := read(t, a, "f"); got != "new data" {
		t.Fatalf("A read %q after B's close; close-to-open was not honoured", got)
	}
	// With nocto A keeps its cached pages until the attributes expire.
	c := w.mount("c", "nocto")
	if got := read(t, c, "f"); got != "new data" {
		t.Fatal(got)
	}
	write(t, b, "f", "newer data")
	if got := read(t, c, "f"); got != "new data" {
		t.Fatalf("nocto host read %q; want its stale cached copy", got)
	}
}

// A negative lookup is cached while the directory's attributes are fresh.
func TestNegativeLookupStaleness(t *testing.T) {
	for _, tc := range []struct {
		opts  string
		stale bool
	}{{"", true}, {"lookupcache=positive", false}, {"noac", false}} {
		t.Run(tc.opts, func(t *testing.T) {
			w := newWorld(t)
			a, b := w.mount("a", tc.opts), w.mount("b", "")
			must(t, a.Mkdir("d", 0o755))
			if _, err := a.Stat("d/new"); !errors.Is(err, fs.ErrNotExist) {
				t.Fatal(err)
			}
			write(t, b, "d/new", "x")
			_, err := a.Stat("d/new")
			if gotStale := errors.Is(err, fs.ErrNotExist); gotStale != tc.stale {
				t.Fatalf("stat after B created it: %v (stale expected: %v)", err, tc.stale)
			}
			w.clk.t += 61 * time.Second
			if _, err := a.Stat("d/new"); err != nil {
				t.Fatalf("still invisible after acdirmax: %v", err)
			}
		})
	}
}

// O_APPEND writes land at the size the client has cached: two hosts
// appending to one file within the cache window overwrite each other.
func TestAppendAtCachedSize(t *testing.T) {
	w := newWorld(t)
	a, b := w.mount("a", ""), w.mount("b", "")
	write(t, a, "log", "0000")
	fa, err := a.OpenFile("log", vfs.O_WRONLY|vfs.O_APPEND, 0)
	must(t, err)
	fb, err := b.OpenFile("log", vfs.O_WRONLY|vfs.O_APPEND, 0)
	must(t, err)
	_, err = fa.Write([]byte("AAAA"))
	must(t, err)
	must(t, fa.Sync())
	_, err = fb.Write([]byte("BB"))
	must(t, err)
	must(t, fb.Close())
	must(t, fa.Close())
	if got := read(t, w.mount("c", "noac"), "log"); got != "0000BBAA" {
		t.Fatalf("file = %q; want B's append to overwrite A's at the stale size", got)
	}
}

func TestStaleHandleAfterRemoteRemove(t *testing.T) {
	w := newWorld(t)
	a, b := w.mount("a", ""), w.mount("b", "")
	write(t, a, "f", "data")
	f, err := a.OpenFile("f", vfs.O_RDONLY, 0)
	must(t, err)
	must(t, b.Remove("f"))
	w.clk.t += time.Minute
	_, err = f.Stat()
	if !errors.Is(err, vfs.ErrStale) {
		t.Fatalf("fstat after remote remove: %v, want ESTALE", err)
	}
	buf := make([]byte, 4)
	if _, err := f.Read(buf); err != nil && !errors.Is(err, vfs.ErrStale) && err != io.EOF {
		t.Fatalf("read: %v", err)
	}
}

func TestParseOptions(t *testing.T) {
	o, err := nfsclient.ParseOptions("actimeo=5,nolock,nordirplus,lookupcache=positive,hard,vers=3")
	must(t, err)
	if o.ACRegMin != 5*time.Second || o.ACDirMax != 5*time.Second || !o.NoLock || !o.NoRDirPlus || o.LookupCache != nfsclient.LookupPositive {
		t.Fatalf("parsed %+v", o)
	}
	if got := o.String(); got != "acregmin=5,acregmax=5,acdirmin=5,acdirmax=5,lookupcache=positive,nordirplus,nolock" {
		t.Fatalf("String() = %q", got)
	}
	for _, bad := range []string{"actimeo", "actimeo=x", "noac=1", "lookupcache=some", "frobnicate"} {
		if _, err := nfsclient.ParseOptions(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

// A mapping keeps showing the pages this host cached while another host
// rewrites the file; reopening (close-to-open) shows the new content.
func TestMmapServesStalePages(t *testing.T) {
	w := newWorld(t)
	a, b := w.mount("a", ""), w.mount("b", "")
	write(t, a, "idx", "version1")
	f, err := a.OpenFile("idx", vfs.O_RDONLY, 0)
	must(t, err)
	if got, _ := vfs.Mmap(f); string(got) != "version1" {
		t.Fatalf("mmap = %q", got)
	}
	write(t, b, "idx", "version2")
	if got, _ := vfs.Mmap(f); string(got) != "version1" {
		t.Fatalf("mmap = %q; mapped pages should be stale", got)
	}
	if got := read(t, a, "idx"); got != "version2" {
		t.Fatalf("reopen read %q", got)
	}
	must(t, f.Close())
}

// A file removed on the host that has it open stays readable through the
// open file (silly rename to .nfsXXXX) and disappears on the last close.
func TestSillyRename(t *testing.T) {
	w := newWorld(t)
	a := w.mount("a", "")
	write(t, a, "f", "still here")
	f, err := a.OpenFile("f", vfs.O_RDONLY, 0)
	must(t, err)
	must(t, a.Remove("f"))
	if _, err := a.Stat("f"); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("removed name still visible: %v", err)
	}
	ents, _ := a.ReadDir(".")
	if len(ents) != 1 || !strings.HasPrefix(ents[0].Name(), ".nfs") {
		t.Fatalf("directory = %v, want one .nfs file", ents)
	}
	buf := make([]byte, 32)
	w.clk.t += time.Minute // attributes expire: reads revalidate
	n, err := f.ReadAt(buf, 0)
	if string(buf[:n]) != "still here" {
		t.Fatalf("read through the open file: %q, %v", buf[:n], err)
	}
	must(t, f.Close())
	if ents, _ := a.ReadDir("."); len(ents) != 0 {
		t.Fatalf("after the last close: %v", ents)
	}
}

// utime() on a file with dirty pages: the data goes out before the
// SETATTR (Linux's nfs_setattr), so the mtime set is the one that stays.
// Dovecot relies on this for dovecot-keywords, whose mtime must grow.
func TestChtimesFlushesDirtyDataFirst(t *testing.T) {
	w := newWorld(t)
	a, b := w.mount("a", ""), w.mount("b", "")
	f, err := a.OpenFile("k", vfs.O_CREATE|vfs.O_WRONLY, 0o600)
	must(t, err)
	_, err = f.Write([]byte("0 $Label1\n"))
	must(t, err)
	want := epoch.Add(time.Hour).Truncate(time.Second)
	must(t, a.Chtimes("k", want, want))
	w.clk.t += time.Second
	must(t, f.Sync())
	must(t, f.Close())
	fi, err := b.Stat("k")
	must(t, err)
	if !fi.ModTime().Equal(want) || fi.Size() != 10 {
		t.Fatalf("server has mtime %v size %d, want %v and 10", fi.ModTime(), fi.Size(), want)
	}
}

// A read revalidates expired attributes first (nfs_file_read's
// nfs_revalidate_mapping): through the handle of a file another host
// replaced, the cached data serve until the attribute cache expires, and
// then the read fails with ESTALE, as Dovecot's pread() of a replaced
// dovecot.index.cache does.
func TestReadAfterRemoteReplaceGoesStale(t *testing.T) {
	w := newWorld(t)
	a, b := w.mount("a", ""), w.mount("b", "")
	write(t, a, "f", "old")
	f, err := a.OpenFile("f", vfs.O_RDONLY, 0)
	must(t, err)
	buf := make([]byte, 3)
	_, err = f.ReadAt(buf, 0)
	must(t, err)
	write(t, b, "f.tmp", "new")
	must(t, b.Rename("f.tmp", "f"))
	if _, err := f.ReadAt(buf, 0); err != nil || string(buf) != "old" {
		t.Fatalf("read within acregmin: %q, %v; want the cached data", buf, err)
	}
	w.clk.t += time.Minute
	if _, err := f.ReadAt(buf, 0); !errors.Is(err, vfs.ErrStale) {
		t.Fatalf("read after the attribute cache expired: %v, want ESTALE", err)
	}
}
