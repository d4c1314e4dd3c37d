package mdbox_test

import (
	"io/fs"
	"strings"
	"testing"
	"time"

	"github.com/nfsmail/nfsmail/harness/nfsclient"
	"github.com/nfsmail/nfsmail/mailstore"
	"github.com/nfsmail/nfsmail/mailstore/mailtest"
	"github.com/nfsmail/nfsmail/mailstore/mdbox"
	"github.com/nfsmail/nfsmail/nfsserver"
	"github.com/nfsmail/nfsmail/nfsserver/simfs"
	"github.com/nfsmail/nfsmail/vfs"
)

// nfsWorld is one NFS server and a manual virtual clock shared by hosts.
type nfsWorld struct {
	t   *testing.T
	now time.Duration
	srv *nfsserver.Server
}

var epoch = time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)

func (w *nfsWorld) Now() time.Duration     { return w.now }
func (w *nfsWorld) Charge(d time.Duration) { w.now += d }
func (w *nfsWorld) Sleep(d time.Duration)  { w.now += d }

type hostClock struct{ w *nfsWorld }

func (c hostClock) Now() time.Time        { return epoch.Add(c.w.now) }
func (c hostClock) Sleep(d time.Duration) { c.w.now += d }

func newNFSWorld(t *testing.T) *nfsWorld {
	w := &nfsWorld{t: t}
	store := simfs.New(simfs.Options{Now: func() time.Time { return epoch.Add(w.now) }})
	w.srv = nfsserver.New(store, nfsserver.Options{WriteVerifier: [8]byte{1}})
	t.Cleanup(func() { w.srv.Close() })
	return w
}

// host mounts the export with opts and returns a process environment.
func (w *nfsWorld) host(name, opts string, pid int) (mailstore.Env, *mailstore.Recorder, *nfsclient.Mount) {
	o, err := nfsclient.ParseOptions(opts)
	if err != nil {
		w.t.Fatal(err)
	}
	conn, err := w.srv.Dial(name)
	if err != nil {
		w.t.Fatal(err)
	}
	m, err := nfsclient.Dial(conn, nfsclient.Config{Host: name, Options: o, Clock: w})
	if err != nil {
		w.t.Fatal(err)
	}
	w.t.Cleanup(func() { m.Close() })
	log := &mailstore.Recorder{}
	env := mailstore.Env{FS: m, Clock: hostClock{w}, Hostname: name, PID: pid, Log: log,
		Settings: mailstore.DefaultSettings()}
	return env, log, m
}

// syncHookFS runs hook once, just before the first fdatasync of an m.*
// or .temp file: another host's step while this host's appended message
// is still only in its page cache.
type syncHookFS struct {
	vfs.FS
	hook *func()
}

type syncHookFile struct {
	vfs.File
	hook *func()
}

func (h syncHookFS) OpenFile(name string, flag int, perm fs.FileMode) (vfs.File, error) {
	f, err := h.FS.OpenFile(name, flag, perm)
	if err != nil || !(strings.Contains(name, "/m.") || strings.Contains(name, "/.temp.")) {
		return f, err
	}
	return syncHookFile{File: f, hook: h.hook}, nil
}

func (f syncHookFile) Sync() error {
	if fn := *f.hook; fn != nil {
		*f.hook = nil
		fn()
	}
	return f.File.Sync()
}

func (f syncHookFile) Lock(typ vfs.LockType, wait bool) error { return vfs.Lock(f.File, typ, wait) }

// twoAppenders delivers <m1> on host a; while a's message is written but
// not yet flushed, host b delivers <m2>. It returns what a fresh session
// sees and both hosts' logs.
func twoAppenders(t *testing.T, opts string) ([]mailstore.Mail, []string, []string) {
	w := newNFSWorld(t)
	envA, logA, _ := w.host("mx1", opts, 10)
	envB, logB, _ := w.host("mx2", opts, 20)
	a, err := mdbox.New(envA, "alice")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Deliver(mailtest.Message(0)); err != nil { // m.1 exists
		t.Fatal(err)
	}
	b, err := mdbox.New(envB, "alice")
	if err != nil {
		t.Fatal(err)
	}
	var hook func()
	a.SetFS(syncHookFS{FS: envA.FS, hook: &hook})
	hook = func() {
		if _, err := b.Deliver(mailtest.Message(2)); err != nil {
			t.Errorf("b.Deliver: %v", err)
		}
	}
	if _, err := a.Deliver(mailtest.Message(1)); err != nil {
		t.Fatal(err)
	}
	envC, logC, _ := w.host("audit", "noac", 30)
	c, err := mdbox.New(envC, "alice")
	if err != nil {
		t.Fatal(err)
	}
	mails, err := c.Sync()
	if err != nil {
		t.Fatal(err)
	}
	var la, lb []string
	for _, e := range append(logA.Entries, logC.Entries...) {
		la = append(la, e.String())
	}
	for _, e := range logB.Entries {
		lb = append(lb, e.String())
	}
	t.Logf("fsck: %q", mdbox.Fsck(envC.FS, "alice"))
	return mails, la, lb
}

func ids(mails []mailstore.Mail) string {
	var out []string
	for _, m := range mails {
		out = append(out, m.MessageID)
	}
	return strings.Join(out, " ")
}

// With NLM locks b's flock of m.1 fails while a holds it, so b starts m.2.
func TestTwoHostsAppendWithLocks(t *testing.T) {
	mails, la, lb := twoAppenders(t, "")
	if got := ids(mails); got != "<m0@test> <m2@test> <m1@test>" {
		t.Errorf("mails = %q; logs a=%q b=%q", got, la, lb)
	}
	if len(la)+len(lb) != 0 {
		t.Errorf("logs a=%q b=%q", la, lb)
	}
}

// With nolock both flocks succeed: b appends at the end the server knows,
// then a's write-back lands on the same offset and overwrites b's message.
func TestTwoHostsAppendNolockOverwrites(t *testing.T) {
	mails, la, lb := twoAppenders(t, "nolock")
	t.Logf("mails = %q\nlog a = %q\nlog b = %q", ids(mails), la, lb)
	// both map records point at m.1:136, where a's bytes won: <m2> is lost
	// and <m1> is seen twice, without a single log line on either host
	if got := ids(mails); got != "<m0@test> <m1@test> <m1@test>" || len(la)+len(lb) != 0 {
		t.Errorf("mails = %q, logs a=%q b=%q", got, la, lb)
	}
}
