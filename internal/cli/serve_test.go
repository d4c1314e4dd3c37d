package cli

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	nfsc "github.com/willscott/go-nfs-client/nfs"
	"github.com/willscott/go-nfs-client/nfs/rpc"
)

// lineWriter collects stderr and reports the listen address once printed.
type lineWriter struct {
	mu   sync.Mutex
	buf  bytes.Buffer
	addr chan string
}

var listenRE = regexp.MustCompile(`listening on (\S+)`)

func (w *lineWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	before := w.buf.Len()
	w.buf.Write(p)
	if before == 0 || !listenRE.Match(w.buf.Bytes()[:before]) {
		if m := listenRE.FindSubmatch(w.buf.Bytes()); m != nil {
			w.addr <- string(m[1])
		}
	}
	return len(p), nil
}

// startServe runs `nfsmail serve` in-process and returns its address and
// a stop function that returns the command's stdout.
func startServe(t *testing.T, args ...string) (string, func() string) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	stderr := &lineWriter{addr: make(chan string, 1)}
	var stdout bytes.Buffer
	done := make(chan int, 1)
	go func() {
		done <- Run(ctx, append([]string{"serve", "--listen", "127.0.0.1:0"}, args...), &stdout, stderr)
	}()
	var addr string
	select {
	case addr = <-stderr.addr:
	case code := <-done:
		cancel()
		t.Fatalf("serve exited %d: %s", code, stderr.buf.String())
	case <-time.After(10 * time.Second):
		t.Fatal("serve did not start")
	}
	stopped := false
	stop := func() string {
		if !stopped {
			stopped = true
			cancel()
			if code := <-done; code != 0 {
				t.Errorf("serve exit %d: %s", code, stderr.buf.String())
			}
		}
		return stdout.String()
	}
	t.Cleanup(func() { stop() })
	return addr, stop
}

func needLibnfs(t *testing.T) {
	t.Helper()
	for _, bin := range []string{"nfs-ls", "nfs-cat", "nfs-cp"} {
		if _, err := exec.LookPath(bin); err != nil {
			t.Skip("libnfs-utils not installed: run make deps")
		}
	}
}

func nfsURL(addr, path string) string {
	_, port, _ := net.SplitHostPort(addr)
	return fmt.Sprintf("nfs://127.0.0.1/%s?version=3&nfsport=%s&mountport=%s", path, port, port)
}

func runTool(t *testing.T, name string, args ...string) string {
	t.Helper()
	out, err := exec.Command(name, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s %q: %v\n%s", name, args, err, out)
	}
	return string(out)
}

// libnfs's nfs-ls, nfs-cat and nfs-cp (both directions) against `nfsmail
// serve`: contents byte-equal from 0 B to 8 MiB.
func TestInteropLibnfs(t *testing.T) {
	needLibnfs(t)
	addr, stop := startServe(t)
	tmp := t.TempDir()
	rng := rand.New(rand.NewPCG(1, 2))
	sizes := []int{0, 1, 4095, 4096, 65537, 1<<20 + 3, 8 << 20}
	for _, n := range sizes {
		data := make([]byte, n)
		for i := range data {
			data[i] = byte(rng.Uint32())
		}
		local := filepath.Join(tmp, fmt.Sprintf("up%d", n))
		if err := os.WriteFile(local, data, 0o644); err != nil {
			t.Fatal(err)
		}
		runTool(t, "nfs-cp", local, nfsURL(addr, fmt.Sprintf("/f%d", n)))
		back := filepath.Join(tmp, fmt.Sprintf("down%d", n))
		runTool(t, "nfs-cp", nfsURL(addr, fmt.Sprintf("/f%d", n)), back)
		got, err := os.ReadFile(back)
		if err != nil || sha256.Sum256(got) != sha256.Sum256(data) {
			t.Fatalf("%d bytes: round trip differs (got %d bytes, %v)", n, len(got), err)
		}
		if n <= 65537 {
			if cat := runTool(t, "nfs-cat", nfsURL(addr, fmt.Sprintf("/f%d", n))); cat != string(data) {
				t.Fatalf("nfs-cat of %d bytes differs", n)
			}
		}
	}
	ls := runTool(t, "nfs-ls", nfsURL(addr, ""))
	for _, n := range sizes {
		if !strings.Contains(ls, fmt.Sprintf("f%d", n)) {
			t.Fatalf("nfs-ls misses f%d:\n%s", n, ls)
		}
	}
	if out := stop(); !strings.Contains(out, "EXPORT") || !strings.Contains(out, "WRITE") {
		t.Fatalf("no per-procedure counts on exit:\n%s", out)
	}
}

// go-nfs-client's Target API against `nfsmail serve`.
func TestInteropGoNFSClient(t *testing.T) {
	addr, _ := startServe(t)
	tgt := goNFSTarget(t, addr)
	if _, err := tgt.Mkdir("dir", 0o755); err != nil {
		t.Fatal(err)
	}
	f, err := tgt.OpenFile("dir/msg", 0o644)
	if err != nil {
		t.Fatal(err)
	}
	body := bytes.Repeat([]byte("mail "), 3000)
	if _, err := f.Write(body); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	if err := tgt.Rename("dir/msg", "dir/msg2"); err != nil {
		t.Fatal(err)
	}
	fi, _, err := tgt.Lookup("dir/msg2")
	if err != nil || fi.Size() != int64(len(body)) {
		t.Fatalf("Lookup: %v %v", fi, err)
	}
	r, err := tgt.Open("dir/msg2")
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(r)
	if err != nil || !bytes.Equal(got, body) {
		t.Fatalf("read back %d bytes: %v", len(got), err)
	}
	ents, err := tgt.ReadDirPlus("dir")
	if err != nil || len(ents) == 0 {
		t.Fatalf("ReadDirPlus: %v %v", ents, err)
	}
	if err := tgt.Remove("dir/msg2"); err != nil {
		t.Fatal(err)
	}
	if err := tgt.RmDir("dir"); err != nil {
		t.Fatal(err)
	}
}

func goNFSTarget(t *testing.T, addr string) *nfsc.Target {
	t.Helper()
	host, port, _ := net.SplitHostPort(addr)
	p, _ := strconv.Atoi(port)
	c, err := nfsc.DialServiceAtPort(host, p)
	if err != nil {
		t.Fatal(err)
	}
	m := &nfsc.Mount{Client: c}
	tgt, err := m.Mount("/", rpc.AuthNull)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tgt.Close() })
	return tgt
}

// Random bytes written to the port do not take the server down.
func TestServeSurvivesGarbage(t *testing.T) {
	addr, _ := startServe(t)
	rng := rand.New(rand.NewPCG(3, 4))
	for i := 0; i < 50; i++ {
		conn, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		junk := make([]byte, 1+rng.IntN(4096))
		for j := range junk {
			junk[j] = byte(rng.Uint32())
		}
		if i%2 == 0 && len(junk) > 4 { // a plausible record mark
			junk[0], junk[1] = 0x80, 0
		}
		_, _ = conn.Write(junk)
		conn.Close()
	}
	tgt := goNFSTarget(t, addr)
	if _, err := tgt.FSInfo(); err != nil {
		t.Fatalf("server no longer answers: %v", err)
	}
}

// --dir loads the store and saves it back on exit.
func TestServeDir(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "store")
	if err := os.MkdirAll(filepath.Join(dir, "sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "sub", "old"), []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("/etc/passwd", filepath.Join(dir, "escape")); err != nil {
		t.Fatal(err)
	}
	addr, stop := startServe(t, "--dir", dir)
	tgt := goNFSTarget(t, addr)
	if _, _, err := tgt.Lookup("sub/old"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := tgt.Lookup("escape/x"); err == nil {
		t.Fatal("a lookup went through a symlink")
	}
	f, err := tgt.OpenFile("new", 0o644)
	if err != nil {
		t.Fatal(err)
	}
	f.Write([]byte("new"))
	f.Close()
	stop()
	for name, want := range map[string]string{"sub/old": "old", "new": "new"} {
		if got, err := os.ReadFile(filepath.Join(dir, name)); err != nil || string(got) != want {
			t.Fatalf("%s after save: %q %v", name, got, err)
		}
	}
}

// A dropped reply to REMOVE, seen by go-nfs-client over TCP: it
// retransmits the same XID; without a DRC the server re-executes and the
// client reports "no such file" for a REMOVE that succeeded, with --drc
// the original success is replayed.
func TestLostReplyRealClient(t *testing.T) {
	old := rpc.DefaultReadTimeout
	rpc.DefaultReadTimeout = 200 * time.Millisecond
	t.Cleanup(func() { rpc.DefaultReadTimeout = old })
	plan := filepath.Join(t.TempDir(), "plan.toml")
	src := "[[rule]]\nname = \"lose\"\nproc = \"REMOVE\"\nnth = 1\naction = \"drop-reply\"\n"
	if err := os.WriteFile(plan, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, drc := range []bool{false, true} {
		args := []string{"--faults", plan}
		if drc {
			args = append(args, "--drc")
		}
		addr, stop := startServe(t, args...)
		tgt := goNFSTarget(t, addr)
		f, err := tgt.OpenFile("victim", 0o644)
		if err != nil {
			t.Fatal(err)
		}
		f.Close()
		err = tgt.Remove("victim")
		if drc && err != nil || !drc && !os.IsNotExist(err) {
			t.Fatalf("drc=%v: Remove after a lost reply: %v", drc, err)
		}
		if out := stop(); !strings.Contains(out, "fault #1 lose drop-reply") {
			t.Fatalf("firing not reported:\n%s", out)
		}
	}
}
