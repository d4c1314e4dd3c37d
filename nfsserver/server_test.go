package nfsserver

import (
	"bytes"
	"net"
	"runtime"
	"testing"
	"time"

	nfs "github.com/willscott/go-nfs"

	"github.com/nfsmail/nfsmail/nfsserver/simfs"
)

type clock struct{ t time.Time }

func (c *clock) Now() time.Time { return c.t }

var verf = [8]byte{1, 2, 3, 4, 5, 6, 7, 8}

func newServer(t *testing.T) (*Server, *clock) {
	t.Helper()
	return newServerOpts(t, Options{WriteVerifier: verf})
}

func newServerOpts(t *testing.T, opts Options) (*Server, *clock) {
	t.Helper()
	c := &clock{t: time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC)}
	s := New(simfs.New(simfs.Options{Now: c.Now}), opts)
	t.Cleanup(func() { _ = s.Close() })
	return s, c
}

func dial(t *testing.T, s *Server, host string) *rpcClient {
	t.Helper()
	conn, err := s.Dial(host)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return newRPCClient(t, conn)
}

func mount(t *testing.T, c *rpcClient) []byte {
	t.Helper()
	r := c.ok(progMount, mountMnt, mountArgs{"/"})
	if st := read[uint32](t, r); st != 0 {
		t.Fatalf("MNT status %d", st)
	}
	return read[[]byte](t, r)
}

// nfsStatus reads the status word of an NFS result.
func nfsStatus(t *testing.T, r *bytes.Reader) nfs.NFSStatus {
	t.Helper()
	return nfs.NFSStatus(read[uint32](t, r))
}

func lookup(t *testing.T, c *rpcClient, dir []byte, name string) ([]byte, nfs.NFSStatus) {
	t.Helper()
	r := c.ok(progNFS, procLookup, dirOpArgs{dir, name})
	if st := nfsStatus(t, r); st != nfs.NFSStatusOk {
		return nil, st
	}
	return read[[]byte](t, r), nfs.NFSStatusOk
}

func getattr(t *testing.T, c *rpcClient, fh []byte) (*nfs.FileAttribute, nfs.NFSStatus) {
	t.Helper()
	r := c.ok(progNFS, procGetattr, fhArgs{fh})
	if st := nfsStatus(t, r); st != nfs.NFSStatusOk {
		return nil, st
	}
	a := read[nfs.FileAttribute](t, r)
	return &a, nfs.NFSStatusOk
}

func link(t *testing.T, c *rpcClient, fh, dir []byte, name string) (nfs.NFSStatus, *nfs.FileAttribute) {
	t.Helper()
	r := c.ok(progNFS, procLink, linkArgs{fh, dir, name})
	st := nfsStatus(t, r)
	a := postOpAttr(t, r)
	if pre, post := wccData(t, r); pre == nil || post == nil {
		t.Fatalf("LINK wcc_data missing: %v %v", pre, post)
	}
	return st, a
}

func dirOp(t *testing.T, c *rpcClient, proc uint32, args any) nfs.NFSStatus {
	t.Helper()
	return nfsStatus(t, c.ok(progNFS, proc, args))
}

// create makes a file or directory and returns its handle.
func create(t *testing.T, c *rpcClient, proc uint32, args any) []byte {
	t.Helper()
	r := c.ok(progNFS, proc, args)
	if st := nfsStatus(t, r); st != nfs.NFSStatusOk {
		t.Fatalf("create: %v", st)
	}
	if !read[bool](t, r) {
		t.Fatal("create: no handle")
	}
	return read[[]byte](t, r)
}

func TestEndToEnd(t *testing.T) {
	s, clk := newServer(t)
	c := dial(t, s, "hostA")

	r := c.ok(progMount, mountExportProc, nil)
	if !read[bool](t, r) || read[string](t, r) != "/" || read[bool](t, r) || read[bool](t, r) {
		t.Fatal("EXPORT list is not [\"/\"]")
	}
	root := mount(t, c)
	if len(root) != handleLen {
		t.Fatalf("root handle %x", root)
	}
	if _, st := lookup(t, c, root, "nope"); st != nfs.NFSStatusNoEnt {
		t.Fatalf("LOOKUP missing: %v", st)
	}
	fh := create(t, c, procCreate, createArg{Dir: root, Name: "m", How: 1})
	cur := create(t, c, procMkdir, mkdirArgs{Dir: root, Name: "cur"})

	clk.t = clk.t.Add(time.Second)
	r = c.ok(progNFS, procWrite, writeArgs{fh, 0, 5, 2, []byte("hello")})
	if st := nfsStatus(t, r); st != nfs.NFSStatusOk {
		t.Fatalf("WRITE: %v", st)
	}
	wccData(t, r)
	if n, _, v := read[uint32](t, r), read[uint32](t, r), read[[8]byte](t, r); n != 5 || v != verf {
		t.Fatalf("WRITE count %d verifier %x", n, v)
	}
	r = c.ok(progNFS, procRead, readArgs{fh, 0, 100})
	if st := nfsStatus(t, r); st != nfs.NFSStatusOk {
		t.Fatalf("READ: %v", st)
	}
	postOpAttr(t, r)
	if n, eof, data := read[uint32](t, r), read[bool](t, r), read[[]byte](t, r); n != 5 || !eof || string(data) != "hello" {
		t.Fatalf("READ %d %v %q", n, eof, data)
	}
	a, _ := getattr(t, c, fh)
	ino, _ := s.FS().Resolve("m")
	if a.Filesize != 5 || a.Fileid != uint64(ino.Ino) || a.Nlink != 1 || !a.Mtime.Native().Equal(clk.t) {
		t.Fatalf("GETATTR %+v", a)
	}

	if st := dirOp(t, c, procRename, renameArgs{root, "m", cur, "m:2,S"}); st != nfs.NFSStatusOk {
		t.Fatalf("RENAME: %v", st)
	}
	if a, st := getattr(t, c, fh); st != nfs.NFSStatusOk || a.Filesize != 5 {
		t.Fatalf("handle after rename: %v", st)
	}

	if st, a := link(t, c, fh, root, "lock"); st != nfs.NFSStatusOk || a == nil || a.Nlink != 2 {
		t.Fatalf("LINK: %v %+v", st, a)
	}
	if st, a := link(t, c, fh, root, "lock"); st != nfs.NFSStatusExist || a.Nlink != 2 {
		t.Fatalf("second LINK: %v %+v", st, a)
	}
	if st, _ := link(t, c, root, root, "x"); st == nfs.NFSStatusOk {
		t.Fatal("LINK of a directory succeeded")
	}

	if st := dirOp(t, c, procRemove, dirOpArgs{cur, "m:2,S"}); st != nfs.NFSStatusOk {
		t.Fatalf("REMOVE: %v", st)
	}
	if a, st := getattr(t, c, fh); st != nfs.NFSStatusOk || a.Nlink != 1 {
		t.Fatalf("after first unlink: %v %+v", st, a)
	}
	if st := dirOp(t, c, procRemove, dirOpArgs{root, "lock"}); st != nfs.NFSStatusOk {
		t.Fatalf("REMOVE lock: %v", st)
	}
	if _, st := getattr(t, c, fh); st != nfs.NFSStatusStale {
		t.Fatalf("GETATTR after last unlink: %v, want STALE", st)
	}

	names := readdirplus(t, c, root)
	if len(names) != 3 || names[0] != "." || names[1] != ".." || names[2] != "cur" {
		t.Fatalf("READDIRPLUS names %v", names)
	}

	st := s.Stats()
	for _, want := range []struct {
		prog, proc string
		n          uint64
	}{
		{"MOUNT", "EXPORT", 1}, {"MOUNT", "MNT", 1}, {"NFS", "LINK", 3}, {"NFS", "GETATTR", 4},
		{"NFS", "REMOVE", 2}, {"NFS", "READDIRPLUS", 1}, {"NFS", "WRITE", 1},
	} {
		if got := st.Count("hostA", want.prog, want.proc); got != want.n {
			t.Errorf("%s %s: %d calls, want %d", want.prog, want.proc, got, want.n)
		}
	}
	c2 := dial(t, s, "hostB")
	getattr(t, c2, root)
	if st := s.Stats(); st.Count("hostB", "", "") != 1 || st.Count("", "NFS", "GETATTR") != 5 {
		t.Fatalf("per-host stats: %+v", st.Calls)
	}
}

func readdirplus(t *testing.T, c *rpcClient, dir []byte) []string {
	t.Helper()
	r := c.ok(progNFS, procReaddirplus, readdirplusArgs{dir, 0, 0, 4096, 65536})
	if st := nfsStatus(t, r); st != nfs.NFSStatusOk {
		t.Fatalf("READDIRPLUS: %v", st)
	}
	postOpAttr(t, r)
	read[uint64](t, r) // cookie verifier
	var names []string
	for read[bool](t, r) {
		read[uint64](t, r) // fileid
		names = append(names, read[string](t, r))
		read[uint64](t, r) // cookie
		postOpAttr(t, r)
		if read[bool](t, r) {
			read[[]byte](t, r)
		}
	}
	return names
}

func TestSetattrUsesVirtualClock(t *testing.T) {
	s, clk := newServer(t)
	c := dial(t, s, "h")
	root := mount(t, c)
	fh := create(t, c, procCreate, createArg{Dir: root, Name: "f", How: 0})
	clk.t = clk.t.Add(time.Hour)
	args := struct {
		FH    []byte
		Attr  sattr3
		Guard uint32
	}{fh, sattr3{Mtime: setToServerTime}, 0}
	r := c.ok(progNFS, procSetattr, args)
	if st := nfsStatus(t, r); st != nfs.NFSStatusOk {
		t.Fatalf("SETATTR: %v", st)
	}
	if _, post := wccData(t, r); post == nil || !post.Mtime.Native().Equal(clk.t) {
		t.Fatalf("mtime %v, want %v", post, clk.t)
	}
	guarded := struct {
		FH    []byte
		Attr  sattr3
		Guard uint32
		Ctime nfs.FileTime
	}{fh, sattr3{}, 1, nfs.FileTime{Seconds: 1}}
	if st := nfsStatus(t, c.ok(progNFS, procSetattr, guarded)); st != nfs.NFSStatusNotSync {
		t.Fatalf("guarded SETATTR: %v", st)
	}
}

func TestRPCErrors(t *testing.T) {
	s, _ := newServer(t)
	c := dial(t, s, "h")
	c.split = true // multi-fragment records, which go-nfs alone rejects
	if st, _ := c.call(progNFS, 3, procNull, nil); st != acceptSuccess {
		t.Fatalf("NULL in two fragments: %d", st)
	}
	if st, r := c.call(progNFS, 4, procNull, nil); st != acceptProgMismatch ||
		read[uint32](t, r) != 3 || read[uint32](t, r) != 3 {
		t.Fatalf("NFSv4 NULL: %d", st)
	}
	if st, _ := c.call(100024, 1, 0, nil); st != acceptProgUnavail {
		t.Fatalf("NSM: %d", st)
	}
	if st, _ := c.call(progNLM, 4, 0, nil); st != acceptSuccess {
		t.Fatalf("NLM NULL: %d", st)
	}
	if st, _ := c.call(progNFS, 3, 22, nil); st != acceptProcUnavail {
		t.Fatalf("proc 22: %d", st)
	}
	if st, _ := c.call(progNFS, 3, procGetattr, fhArgs{make([]byte, 65)}); st != acceptGarbageArgs {
		t.Fatalf("65-byte handle: %d", st)
	}
	if st, _ := c.call(progNFS, 3, procLink, fhArgs{[]byte{1}}); st != acceptGarbageArgs {
		t.Fatalf("short LINK args: %d", st)
	}
	rec := c.raw(1, progNFS, 3, procNull, nil)
	if !bytes.Equal(rec[4:24], []byte{0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 2}) {
		t.Fatalf("RPC version 1: reply %x", rec)
	}
	if _, st := getattr(t, c, []byte{1, 2, 3}); st != nfs.NFSStatusBadHandle {
		t.Fatalf("bad handle: %v", st)
	}
}

func TestTCPServeAndClose(t *testing.T) {
	before := runtime.NumGoroutine()
	c := &clock{t: time.Unix(0, 0)}
	s := New(simfs.New(simfs.Options{Now: c.Now}), Options{})
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Skipf("no loopback: %v", err)
	}
	served := make(chan error, 1)
	go func() { served <- s.Serve(l) }()
	conn, err := net.Dial("tcp", l.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	rc := newRPCClient(t, conn)
	mount(t, rc)
	pipe, err := s.Dial("mem")
	if err != nil {
		t.Fatal(err)
	}
	mount(t, newRPCClient(t, pipe))
	if n := s.Stats().Count("127.0.0.1", "MOUNT", "MNT"); n != 1 {
		t.Fatalf("TCP host stats: %+v", s.Stats().Calls)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := <-served; err != nil {
		t.Fatalf("Serve after Close: %v", err)
	}
	conn.Close()
	pipe.Close()
	if _, err := s.Dial("late"); err == nil {
		t.Fatal("Dial after Close succeeded")
	}
	waitGoroutines(t, before)
}

// waitGoroutines yields until the goroutine count is back to n; the
// goroutines left behind exit on their own once scheduled.
func waitGoroutines(t *testing.T, n int) {
	t.Helper()
	for i := 0; i < 100000 && runtime.NumGoroutine() > n; i++ {
		runtime.Gosched()
	}
	if got := runtime.NumGoroutine(); got > n {
		buf := make([]byte, 1<<16)
		t.Fatalf("%d goroutines, want %d:\n%s", got, n, buf[:runtime.Stack(buf, true)])
	}
}

func newStore() *simfs.FS {
	c := &clock{t: time.Unix(1e9, 0)}
	return simfs.New(simfs.Options{Now: c.Now})
}
