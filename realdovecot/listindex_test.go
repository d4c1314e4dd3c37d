package realdovecot

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/nfsmail/nfsmail/mailstore/mailboxlist"
	"github.com/nfsmail/nfsmail/mailstore/mailtest"
)

var listRe = regexp.MustCompile(`^\* LIST \([^)]*\) "[^"]*" "?([^"]+)"?$`)

// preauthIMAP is one real imap process in pre-auth mode, driven command by
// command, so it can stay open while other processes change the mailbox.
type preauthIMAP struct {
	t      *testing.T
	cmd    *exec.Cmd
	in     io.WriteCloser
	out    *bufio.Reader
	stderr *strings.Builder
	tag    int
}

// startIMAP starts the imap binary on the Maildir in home with the list
// index at listIndex; extra is more dovecot.conf.
func startIMAP(t *testing.T, home, listIndex, extra string) *preauthIMAP {
	t.Helper()
	conf := filepath.Join(t.TempDir(), "imap.conf")
	os.WriteFile(conf, []byte("mail_uid = vmail\nmail_gid = vmail\nssl = no\nlog_path = /dev/stderr\n"+extra+
		"mail_location = maildir:"+home+"/Maildir:LISTINDEX="+listIndex+"\n"), 0o644)
	s := &preauthIMAP{t: t, cmd: exec.Command(IMAPBin, "-c", conf), stderr: &strings.Builder{}}
	s.cmd.Env = []string{"USER=user", "HOME=" + home}
	s.cmd.Stderr = s.stderr
	in, err1 := s.cmd.StdinPipe()
	out, err2 := s.cmd.StdoutPipe()
	if err := errors.Join(err1, err2, s.cmd.Start()); err != nil {
		t.Fatalf("imap: %v", err)
	}
	s.in, s.out = in, bufio.NewReader(out)
	if _, err := s.out.ReadString('\n'); err != nil { // the PREAUTH greeting
		t.Fatalf("imap greeting: %v; stderr %s", err, s.stderr)
	}
	t.Cleanup(s.close)
	return s
}

// do sends one command and returns the untagged lines of its answer; a NO
// or BAD answer fails the test.
func (s *preauthIMAP) do(command string) []string {
	s.t.Helper()
	s.tag++
	tag := fmt.Sprintf("t%d", s.tag)
	fmt.Fprintf(s.in, "%s %s\r\n", tag, command)
	var lines []string
	for {
		l, err := s.out.ReadString('\n')
		if err != nil {
			s.t.Fatalf("imap %s: %v; stderr %s", command, err, s.stderr)
		}
		l = strings.TrimRight(l, "\r\n")
		if strings.HasPrefix(l, tag+" ") {
			if !strings.HasPrefix(l, tag+" OK") {
				s.t.Fatalf("imap %s: %s", command, l)
			}
			return lines
		}
		lines = append(lines, l)
	}
}

// list answers LIST "" "*" with the folder names, INBOX first.
func (s *preauthIMAP) list() []string {
	var names []string
	for _, l := range s.do(`LIST "" "*"`) {
		if m := listRe.FindStringSubmatch(l); m != nil && m[1] != "INBOX" {
			names = append(names, m[1])
		}
	}
	slices.Sort(names)
	return append([]string{"INBOX"}, names...)
}

func (s *preauthIMAP) close() {
	fmt.Fprintf(s.in, "z LOGOUT\r\n")
	s.in.Close()
	s.cmd.Wait()
	if c := complaints(s.stderr.String()); len(c) > 0 {
		s.t.Errorf("imap complained: %q", c)
	}
}

// TestRealListIndexGoesStaleLikeTheModel (issue 6, LISTINDEX on tmpfs):
// two "hosts" share one Maildir but keep their list indexes apart, as
// LISTINDEX=/dev/shm/... does. The same steps run against the real imap
// binary and against mailstore/mailboxlist, session for session, and both
// must list the same folders after every step: a session that synced its
// list index keeps answering from it after the other host's CREATE and
// DELETE, a new session syncs with the disk first, a new session with
// mailbox_list_index_very_dirty_syncs does not, and a session's own CREATE
// makes its list index follow the disk again.
func TestRealListIndexGoesStaleLikeTheModel(t *testing.T) {
	needDovecot(t)
	root := openTempDir(t)
	home := filepath.Join(root, "home")
	shm := map[string]string{"a": filepath.Join(root, "shm-a"), "b": filepath.Join(root, "shm-b")}
	uid, gid, err := mailIDs()
	if err != nil {
		t.Skip(err)
	}
	for _, d := range []string{home, shm["a"], shm["b"]} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
		os.Chown(d, int(uid), int(gid))
	}

	w := mailtest.NewWorld()
	pid := 0
	// session opens one session on host in both worlds.
	type both struct {
		real  *preauthIMAP
		model *mailboxlist.List
	}
	session := func(host string, veryDirty bool) both {
		pid++
		p := w.Host(host, pid, 0)
		p.Env.Settings.ListIndex = "/shm-" + host + "/%u/dovecot.list.index"
		p.Env.Settings.ListIndexVeryDirtySyncs = veryDirty
		l, err := mailboxlist.Open(p.Env, "maildir", "user")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(l.Close)
		extra := ""
		if veryDirty {
			extra = "mailbox_list_index_very_dirty_syncs = yes\n"
		}
		return both{real: startIMAP(t, home, shm[host]+"/dovecot.list.index", extra), model: l}
	}
	step := 0
	check := func(s both, command string, want ...string) {
		t.Helper()
		step++
		var merr error
		switch f := strings.Fields(command); {
		case len(f) == 2 && f[0] == "CREATE":
			s.real.do(command)
			merr = s.model.Create(f[1])
		case len(f) == 2 && f[0] == "DELETE":
			s.real.do(command)
			merr = s.model.Delete(f[1])
		case len(f) == 3 && f[0] == "RENAME":
			s.real.do(command)
			merr = s.model.Rename(f[1], f[2])
		}
		if merr != nil {
			t.Fatalf("step %d: model %s: %v", step, command, merr)
		}
		real := s.real.list()
		model, err := s.model.Names()
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("step %d %-14q real %v model %v", step, command, real, model)
		if !slices.Equal(real, model) || !slices.Equal(real, want) {
			t.Errorf("step %d (%s): real Dovecot lists %v, the model %v, expected %v", step, command, real, model, want)
		}
	}
	a := session("a", false)
	check(a, "", "INBOX")
	check(a, "CREATE Old", "INBOX", "Old")
	b := session("b", false)
	check(b, "CREATE New", "INBOX", "New", "Old")
	check(b, "DELETE Old", "INBOX", "New")
	check(a, "", "INBOX", "Old") // a's open session: stale
	check(session("a", false), "", "INBOX", "New")
	check(b, "CREATE Late", "INBOX", "Late", "New")
	check(session("a", true), "", "INBOX", "New") // very dirty syncs: stale in a new session too
	check(a, "CREATE Third", "INBOX", "Late", "New", "Third")
	check(b, "RENAME Late Later", "INBOX", "Later", "New", "Third")
	check(a, "", "INBOX", "Late", "New", "Third") // a's open session: stale
	check(session("a", false), "", "INBOX", "Later", "New", "Third")
}
