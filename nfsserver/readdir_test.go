package nfsserver

import (
	"fmt"
	"testing"

	nfs "github.com/willscott/go-nfs"
)

type dirPage struct {
	names    []string
	cookies  []uint64
	verifier uint64
	eof      bool
	status   nfs.NFSStatus
}

func readdirplusPage(t *testing.T, c *rpcClient, dir []byte, cookie, verifier uint64) dirPage {
	t.Helper()
	r := c.ok(progNFS, procReaddirplus, readdirplusArgs{dir, cookie, verifier, 512, 4096})
	p := dirPage{status: nfsStatus(t, r)}
	postOpAttr(t, r)
	if p.status != nfs.NFSStatusOk {
		return p
	}
	p.verifier = read[uint64](t, r)
	for read[bool](t, r) {
		read[uint64](t, r)
		p.names = append(p.names, read[string](t, r))
		p.cookies = append(p.cookies, read[uint64](t, r))
		postOpAttr(t, r)
		if read[bool](t, r) {
			read[[]byte](t, r)
		}
	}
	p.eof = read[bool](t, r)
	return p
}

// A listing paged while the directory changes neither repeats nor skips
// an entry and never gets BAD_COOKIE: cookies are fixed positions, so an
// entry created mid-listing (with a later cookie) is listed too.
func TestReaddirPagingSnapshot(t *testing.T) {
	s, _ := newServer(t)
	c := dial(t, s, "h")
	root := mount(t, c)
	for i := range 40 {
		create(t, c, procCreate, createArg{Dir: root, Name: fmt.Sprintf("f%03d", i), How: 1})
	}
	seen := map[string]bool{}
	var cookie, verifier uint64
	for pages := 0; ; pages++ {
		p := readdirplusPage(t, c, root, cookie, verifier)
		if p.status != nfs.NFSStatusOk || pages > 100 {
			t.Fatalf("page %d: %v", pages, p.status)
		}
		for _, n := range p.names {
			if seen[n] {
				t.Fatalf("%s listed twice", n)
			}
			seen[n] = true
		}
		if p.eof {
			break
		}
		if pages == 1 {
			create(t, c, procCreate, createArg{Dir: root, Name: "a-new", How: 1})
		}
		cookie, verifier = p.cookies[len(p.cookies)-1], p.verifier
	}
	if len(seen) != 43 || !seen["a-new"] { // 40 files, ".", "..", a-new
		t.Fatalf("listed %d names", len(seen))
	}
}

// Handles of objects below a renamed directory keep working.
func TestHandlesFollowDirRename(t *testing.T) {
	s, _ := newServer(t)
	c := dial(t, s, "h")
	root := mount(t, c)
	d := create(t, c, procMkdir, mkdirArgs{Dir: root, Name: "d", Attr: sattr3{}})
	f := create(t, c, procCreate, createArg{Dir: d, Name: "f", How: 1})
	if st := dirOp(t, c, procRename, renameArgs{root, "d", root, "e"}); st != nfs.NFSStatusOk {
		t.Fatalf("RENAME: %v", st)
	}
	if _, st := getattr(t, c, f); st != nfs.NFSStatusOk {
		t.Fatalf("child handle after parent rename: %v", st)
	}
	if fh, st := lookup(t, c, d, "f"); st != nfs.NFSStatusOk || string(fh) != string(f) {
		t.Fatalf("LOOKUP in renamed dir: %v", st)
	}
}
