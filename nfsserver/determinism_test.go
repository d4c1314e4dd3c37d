package nfsserver

import (
	"bytes"
	"testing"
	"time"

	"github.com/nfsmail/nfsmail/nfsserver/simfs"
)

// session runs a fixed workload on a fresh server and returns every reply
// record and the final statistics.
func session(t *testing.T, v [8]byte) ([][]byte, Stats) {
	clk := &clock{t: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)}
	s := New(simfs.New(simfs.Options{Now: clk.Now, Granularity: time.Millisecond}), Options{WriteVerifier: v})
	defer s.Close()
	c := dial(t, s, "h1")
	root := mount(t, c)
	dir := create(t, c, procMkdir, mkdirArgs{Dir: root, Name: "new"})
	for _, name := range []string{"b", "a", "c"} {
		clk.t = clk.t.Add(1500 * time.Microsecond)
		fh := create(t, c, procCreate, createArg{Dir: dir, Name: name, How: 1})
		c.ok(progNFS, procWrite, writeArgs{fh, 0, 3, 0, []byte(name + "xy")})
		link(t, c, fh, root, name+".lnk")
	}
	c.ok(progNFS, procRename, renameArgs{dir, "a", root, "b.lnk"})
	readdirplus(t, c, root)
	readdirplus(t, c, dir)
	c.ok(progMount, mountExportProc, nil)
	return c.replies, s.Stats()
}

func TestSameInputsSameReplies(t *testing.T) {
	r1, st1 := session(t, verf)
	r2, st2 := session(t, verf)
	if len(r1) != len(r2) {
		t.Fatalf("%d vs %d replies", len(r1), len(r2))
	}
	for i := range r1 {
		if !bytes.Equal(r1[i], r2[i]) {
			t.Fatalf("reply %d differs:\n%x\n%x", i, r1[i], r2[i])
		}
	}
	if len(st1.Calls) != len(st2.Calls) {
		t.Fatalf("stats differ: %+v vs %+v", st1, st2)
	}
	for i := range st1.Calls {
		if st1.Calls[i] != st2.Calls[i] {
			t.Fatalf("stats differ at %d: %+v vs %+v", i, st1.Calls[i], st2.Calls[i])
		}
	}
	r3, _ := session(t, [8]byte{9})
	same := 0
	for i := range r1 {
		if bytes.Equal(r1[i], r3[i]) {
			same++
		}
	}
	if same == len(r1) {
		t.Fatal("write verifier does not reach the wire")
	}
}
