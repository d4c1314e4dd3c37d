package realdovecot

import (
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/nfsmail/nfsmail/mailstore"
	"github.com/nfsmail/nfsmail/mailstore/maildir"
	"github.com/nfsmail/nfsmail/mailstore/mdbox"
	"github.com/nfsmail/nfsmail/mailstore/sdbox"
	"github.com/nfsmail/nfsmail/scenarios"
	"github.com/nfsmail/nfsmail/vfs"
	"github.com/nfsmail/nfsmail/vfs/memfs"
)

// keepStore runs sc in the simulation (seed 1) and returns the directory
// its final store was written to, owned by the mail user.
func keepStore(t *testing.T, sc scenarios.Scenario) string {
	t.Helper()
	keep := filepath.Join(openTempDir(t), "store")
	if err := os.Mkdir(keep, 0o755); err != nil {
		t.Fatal(err)
	}
	if _, err := scenarios.Run(sc, scenarios.Options{Seed: 1, Keep: keep}); err != nil {
		t.Fatal(err)
	}
	uid, gid, _ := mailIDs()
	filepath.Walk(filepath.Dir(keep), func(p string, _ os.FileInfo, _ error) error {
		return os.Lchown(p, int(uid), int(gid))
	})
	return keep
}

// openTempDir is a t.TempDir the mail user can traverse (Dovecot drops
// privileges before it opens mail).
func openTempDir(t *testing.T) string {
	t.Helper()
	d := t.TempDir()
	os.Chmod(d, 0o755)
	os.Chmod(filepath.Dir(d), 0o755)
	return d
}

// users lists the user directories of a kept store.
func users(t *testing.T, keep string) []string {
	t.Helper()
	ents, _ := os.ReadDir(keep)
	var out []string
	for _, e := range ents {
		out = append(out, e.Name())
	}
	if len(out) == 0 {
		t.Fatal("the simulated run left no users")
	}
	return out
}

// engineView opens user's INBOX with the simulated engine on an in-memory
// copy of the kept store and lists what its Sync returns, as
// "UID Message-ID (flags)" lines.
func engineView(t *testing.T, format, keep, user string) []string {
	return engineMailboxView(t, format, keep, user, mailstore.Inbox)
}

// engineMailboxView is engineView of mailbox name.
func engineMailboxView(t *testing.T, format, keep, user, name string) []string {
	t.Helper()
	now := time.Now()
	fsys := memfs.New(func() time.Time { return now })
	err := filepath.WalkDir(keep, func(p string, d fs.DirEntry, err error) error {
		if err != nil || p == keep {
			return err
		}
		rel, _ := filepath.Rel(keep, p)
		if d.IsDir() {
			return vfs.MkdirAll(fsys, rel, 0o700)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return vfs.WriteFile(fsys, rel, b, 0o600)
	})
	if err != nil {
		t.Fatal(err)
	}
	log := &mailstore.Recorder{}
	env := mailstore.Env{FS: fsys, Clock: wallClock{}, Hostname: "reader", PID: 1, Log: log, Settings: mailstore.DefaultSettings()}
	open := map[string]mailstore.MailboxOpener{"maildir": maildir.OpenMailbox, "sdbox": sdbox.OpenMailbox, "mdbox": mdbox.OpenMailbox}[format]
	mb, err := open(env, user, name)
	if err != nil {
		t.Fatal(err)
	}
	mails, err := mb.Sync()
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range log.Entries {
		t.Errorf("%s: the simulated engine logged reading its own store: %s", user, e)
	}
	var out []string
	for _, m := range mails {
		flags := append(strings.Fields(m.Flags.String()), m.Keywords...)
		slices.Sort(flags)
		out = append(out, fmt.Sprintf("%d %s (%s)", m.UID, m.MessageID, strings.Join(flags, " ")))
	}
	slices.Sort(out)
	return out
}

type wallClock struct{}

func (wallClock) Now() time.Time        { return time.Now() }
func (wallClock) Sleep(d time.Duration) { time.Sleep(d) }

// withoutIndex copies a Maildir leaving out dovecot.index* files.
func withoutIndex(t *testing.T, mail string) string {
	t.Helper()
	home := openTempDir(t)
	dst := filepath.Join(home, "Maildir")
	if out, err := exec.Command("cp", "-a", mail, dst).CombinedOutput(); err != nil {
		t.Fatalf("cp: %v: %s", err, out)
	}
	idx, _ := filepath.Glob(filepath.Join(dst, "dovecot.index*"))
	for _, f := range idx {
		os.Remove(f)
	}
	return dst
}

var msgIDRe = regexp.MustCompile(`(?im)^Message-ID:\s*(<[^>]*>)`)

var fetchRe = regexp.MustCompile(`^\* \d+ FETCH \(UID (\d+) FLAGS \(([^)]*)\)`)

// imapPreauth lists INBOX with the real imap binary in pre-auth mode
// (mail_location = mail, e.g. "maildir:DIR" or "sdbox:DIR"), returning the lines and
// what the binary logged.
func imapPreauth(t *testing.T, home, mail string) ([]string, string) {
	return imapPreauthMailbox(t, home, mail, mailstore.Inbox)
}

// imapPreauthMailbox is imapPreauth listing mailbox name.
func imapPreauthMailbox(t *testing.T, home, mail, name string) ([]string, string) {
	t.Helper()
	conf := filepath.Join(t.TempDir(), "imap.conf")
	// mail_location, not $MAIL: the standalone binary drops most of its
	// environment, and autodetection would find ~/Maildir regardless.
	os.WriteFile(conf, []byte("mail_uid = vmail\nmail_gid = vmail\nssl = no\nlog_path = /dev/stderr\n"+
		"mail_location = "+mail+"\n"), 0o644)
	cmd := exec.Command(IMAPBin, "-c", conf)
	cmd.Env = []string{"USER=user", "HOME=" + home}
	cmd.Stdin = strings.NewReader("a SELECT " + name + "\r\nb FETCH 1:* (UID FLAGS BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)])\r\nc LOGOUT\r\n")
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("imap: %v; stderr: %s", err, stderr.String())
	}
	var got []string
	lines := strings.Split(string(out), "\n")
	for i, l := range lines {
		m := fetchRe.FindStringSubmatch(l)
		if m == nil {
			continue
		}
		id := "?"
		for _, next := range lines[i+1 : min(i+4, len(lines))] {
			if x := msgIDRe.FindStringSubmatch(next); x != nil {
				id = x[1]
				break
			}
		}
		flags := strings.Fields(strings.ReplaceAll(m[2], `\Recent`, ""))
		slices.Sort(flags)
		got = append(got, fmt.Sprintf("%s %s (%s)", m[1], id, strings.Join(flags, " ")))
	}
	slices.Sort(got)
	return got, stderr.String()
}

// readers are the real programs that read a kept store: the imap binary
// (SELECT, FETCH) and doveadm fetch, each standalone with mail_location.
var readers = []struct {
	name string
	read func(t *testing.T, home, mail, name string) ([]string, string)
}{{"imap", imapPreauthMailbox}, {"doveadm", doveadmFetch}}

// doveadmFetch runs `doveadm fetch 'uid flags hdr.message-id' mailbox
// NAME all` for the user at home and returns what imapPreauthMailbox
// returns: "UID MESSAGE-ID (FLAGS)" sorted, \Recent left out.
func doveadmFetch(t *testing.T, home, mail, name string) ([]string, string) {
	t.Helper()
	conf := filepath.Join(t.TempDir(), "doveadm.conf")
	os.WriteFile(conf, []byte("mail_uid = vmail\nmail_gid = vmail\nssl = no\nlog_path = /dev/stderr\n"+
		"mail_location = "+mail+"\n"), 0o644)
	cmd := exec.Command(DoveadmBin, "-c", conf, "fetch", "uid flags hdr.message-id", "mailbox", name, "all")
	cmd.Env = []string{"USER=user", "HOME=" + home, "PATH=/usr/bin:/bin"}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("doveadm: %v; stderr: %s", err, stderr.String())
	}
	var got []string
	var uid, id string
	var flags []string
	flush := func() {
		if uid != "" {
			slices.Sort(flags)
			got = append(got, fmt.Sprintf("%s %s (%s)", uid, id, strings.Join(flags, " ")))
		}
		uid, id, flags = "", "?", nil
	}
	for _, l := range strings.Split(string(out), "\n") {
		k, v, _ := strings.Cut(l, ": ")
		switch k {
		case "uid":
			flush()
			uid = v
		case "flags":
			flags = slices.DeleteFunc(strings.Fields(v), func(f string) bool { return f == `\Recent` })
		case "hdr.message-id":
			if id = strings.TrimSpace(v); id == "" {
				id = "?"
			}
		}
	}
	flush()
	slices.Sort(got)
	return got, stderr.String()
}

// complaints returns the Warning/Error/Fatal/Panic lines Dovecot logged.
func complaints(stderr string) []string {
	var out []string
	for _, l := range strings.Split(stderr, "\n") {
		for _, lvl := range []string{"Warning: ", "Error: ", "Fatal: ", "Panic: "} {
			if strings.Contains(l, lvl) {
				out = append(out, l)
				break
			}
		}
	}
	return out
}

// TestRealIMAPReadsSimulatedStores (issue 5): the stores the simulated
// engines wrote in a two-backend director run — Maildir with its
// dovecot-uidlist and dovecot.index files, sdbox with its index and its
// "dbox-hdr" header extension — are opened by the real Dovecot 2.3 imap
// binary as they are, without a single warning (no "fscking", no "Lost
// log", no "sdbox …: Rebuilding index"), and it lists
// the same messages, UIDs, flags and keywords as the engine.
func TestRealIMAPReadsSimulatedStores(t *testing.T) {
	needDovecot(t)
	base, err := scenarios.Lookup("maildir-director")
	if err != nil {
		t.Fatal(err)
	}
	for _, format := range []string{"maildir", "sdbox", "mdbox"} {
		t.Run(format, func(t *testing.T) {
			sc := base
			sc.Format, sc.Name = format, format+"-director"
			sc.Workload.Keywords = 4 // dovecot-keywords and filename letters; the index's "keywords" extension
			sc.Workload.Moves = true // an Archive mailbox; in mdbox, records sharing the map with INBOX
			keep := keepStore(t, sc)
			keyworded, moved := 0, 0
			for _, u := range users(t, keep) {
				want := engineView(t, format, keep, u)
				root := filepath.Join(keep, u)
				mail := format + ":" + root
				if format == "maildir" {
					root = filepath.Join(root, "Maildir")
					mail = "maildir:" + root
					// Without the index files Dovecot reads the Maildir
					// and dovecot-uidlist only: the same answer.
					bare := withoutIndex(t, root)
					got, stderr := imapPreauth(t, filepath.Dir(bare), "maildir:"+bare+":INDEX=MEMORY")
					if !slices.Equal(got, want) {
						t.Errorf("%s without index: real imap sees\n  %s\nthe engine sees\n  %s", u, strings.Join(got, "\n  "), strings.Join(want, "\n  "))
					}
					if c := complaints(stderr); len(c) > 0 {
						t.Errorf("%s without index: real imap logged:\n%s", u, strings.Join(c, "\n"))
					}
				}
				// the engine reads first: real Dovecot then adds fields of its
				// own to the cache files, which the engines do not parse
				boxes := []string{mailstore.Inbox, "Archive"}
				views := map[string][]string{}
				for _, box := range boxes {
					views[box] = engineMailboxView(t, format, keep, u, box)
				}
				var got, archive []string
				for _, r := range readers {
					for _, box := range boxes {
						want := views[box]
						seen, stderr := r.read(t, filepath.Join(keep, u), mail, box)
						if c := complaints(stderr); len(c) > 0 {
							t.Errorf("%s %s: real %s logged reading the engine's %s with its index:\n%s", u, box, r.name, format, strings.Join(c, "\n"))
						}
						if !slices.Equal(seen, want) {
							t.Errorf("%s %s: real %s sees\n  %s\nthe engine sees\n  %s", u, box, r.name, strings.Join(seen, "\n  "), strings.Join(want, "\n  "))
						}
						if box == mailstore.Inbox {
							got = seen
						} else {
							archive = want
						}
					}
				}
				kw := 0
				for _, l := range got {
					if strings.Contains(l, "$Label") {
						kw++
					}
				}
				t.Logf("%s: %d messages agree, %d with keywords; %d in Archive", u, len(got), kw, len(archive))
				keyworded += kw
				moved += len(archive)
			}
			if moved == 0 {
				t.Error("no message was moved to Archive: the comparison did not cover it")
			}
			if keyworded == 0 {
				t.Error("no message carries a keyword: the comparison did not cover them")
			}
		})
	}
}
