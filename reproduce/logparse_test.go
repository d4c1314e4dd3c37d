package reproduce

import (
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestParseLogFormats(t *testing.T) {
	binMsg := "imap(u)<1><s>: Error: Transaction log file /m/u/dovecot.index.log: marked corrupted"
	var export strings.Builder
	export.WriteString("__CURSOR=c1\nSYSLOG_IDENTIFIER=dovecot\nMESSAGE\n")
	var n [8]byte
	binary.LittleEndian.PutUint64(n[:], uint64(len(binMsg)))
	export.Write(n[:])
	export.WriteString(binMsg + "\n\n__CURSOR=c2\nSYSLOG_IDENTIFIER=postfix\nMESSAGE=whatever\n\n")
	tests := []struct {
		name, in, format string
		levels           []string
		ignored          int
		unparsed         int
		user             string
	}{
		{"syslog", "Nov 29 06:12:01 be1 dovecot: imap(bob@example.org)<22817><1DL7n0Yb>: Error: Mailbox INBOX: sdbox: /v/u.1 already exists, rebuilding index\n" +
			"Nov 29 06:12:02 be1 postfix/smtpd[1]: connect from x\n" +
			"Nov 29 06:12:03 be1 dovecot[77]: imap(bob@example.org): Info: Logged out\n", "syslog", []string{"Error"}, 2, 0, "bob@example.org"},
		{"syslog ISO (rsyslog)", "2026-11-29T06:12:01.123+01:00 be1 dovecot: lmtp(bob)<1><x>: Warning: sdbox /v: Rebuilding index\n", "syslog", []string{"Warning"}, 0, 0, "bob"},
		{"log_path", "Nov 29 06:12:01 imap(carol)<5><s>: Fatal: master: service(imap): child 5 killed\nNov 29 06:12:01 imap(carol): Panic: file x.c: assertion failed\n", "log_path", []string{"Fatal", "Panic"}, 0, 0, "carol"},
		{"log_path ISO", "2026-11-29 06:12:01 imap(carol): Warning: Created dotlock file's timestamp is different than current time (1 vs 2): /h/dovecot-uidlist\n", "log_path", []string{"Warning"}, 0, 0, "carol"},
		{"log_path 1.x level first", "dovecot: Jun 26 12:00:00 Error: IMAP(dan): Corrupted index cache file /x/dovecot.index.cache: field header points outside file\n", "log_path", []string{"Error"}, 0, 0, "dan"},
		{"plain", "imap(erin): Error: Maildir uidlist dotlock overridden: /h/dovecot-uidlist\n  backtrace line\n", "plain", []string{"Error"}, 0, 1, "erin"},
		{"journal export", export.String(), "journal-export", []string{"Error"}, 1, 0, "u"},
		{"journal json", `{"SYSLOG_IDENTIFIER":"dovecot","MESSAGE":"imap(f)<1>: Error: dbox /x: Unexpectedly lost uid=3","_HOSTNAME":"be1"}` + "\n" +
			`{"SYSLOG_IDENTIFIER":"cron","MESSAGE":"hello"}` + "\n", "journal-json", []string{"Error"}, 1, 0, "f"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lg, err := ParseLog("in", []byte(tt.in))
			if err != nil {
				t.Fatal(err)
			}
			if lg.Format != tt.format || lg.Ignored != tt.ignored || len(lg.Unparsed) != tt.unparsed {
				t.Errorf("format %q ignored %d unparsed %v, want %q %d %d", lg.Format, lg.Ignored, lg.Unparsed, tt.format, tt.ignored, tt.unparsed)
			}
			var levels []string
			for _, l := range lg.Lines {
				levels = append(levels, l.Level)
				if l.User != tt.user {
					t.Errorf("user %q, want %q", l.User, tt.user)
				}
			}
			if strings.Join(levels, ",") != strings.Join(tt.levels, ",") {
				t.Errorf("levels %v, want %v", levels, tt.levels)
			}
		})
	}
}

func TestParseLogRejectsWhatIsNotALog(t *testing.T) {
	var trunc strings.Builder
	trunc.WriteString("__CURSOR=c\nMESSAGE\n\x05\x00")
	for name, in := range map[string]string{
		"empty":             " \n\n",
		"doveconf":          "mail_location = sdbox:~/sdbox\nmmap_disable = no\n",
		"binary journal":    "LPKSHHRH\x00\x00\x01",
		"nul bytes":         "Nov 29 06:12:01 be1 dovecot: x\x00y\n",
		"truncated journal": trunc.String(),
		"bad json":          "{\"MESSAGE\": \n",
	} {
		t.Run(name, func(t *testing.T) {
			_, err := ParseLog("report.log", []byte(in))
			if err == nil {
				t.Fatal("no error")
			}
			if !strings.HasPrefix(err.Error(), "report.log") {
				t.Errorf("error does not name the input: %v", err)
			}
			if name != "truncated journal" && name != "bad json" && !errors.Is(err, ErrNotALog) {
				t.Errorf("error is not ErrNotALog: %v", err)
			}
		})
	}
}

func TestNormalizeMakesInstallationsAndTheSimulationAgree(t *testing.T) {
	real := Normalize("sdbox: /var/vmail/example.org/bob/mailboxes/INBOX/dbox-Mails/u.4312 already exists, rebuilding index", "bob@example.org")
	sim := Normalize("sdbox: user01/mailboxes/INBOX/dbox-Mails/u.4 already exists, rebuilding index", "user01")
	if real != sim || real != "sdbox: <path>/u.N already exists, rebuilding index" {
		t.Errorf("real %q, sim %q", real, sim)
	}
	got := Normalize("Mailbox INBOX: rename(/a/b/.temp.x, /a/b/u.7) failed: No such file or directory", "")
	if got != "rename(<path>/.temp.x, <path>/u.N) failed: No such file or directory" {
		t.Errorf("got %q", got)
	}
	got = Normalize("link(/m/mailboxes.lockcf866fd722cae35e, /m/mailboxes.lock) failed: Operation not supported", "")
	if !strings.Contains(got, "<id>") {
		t.Errorf("hex id kept: %q", got)
	}
}

// TestHandWrittenReports: excerpts in Dovecot's real formats, with lines
// of other subsystems, map to the expected signatures.
func TestHandWrittenReports(t *testing.T) {
	want := map[string][]string{
		"sdbox-collision.syslog":    {"sdbox-uid-file-collision", "sdbox-rebuild"},
		"log-garbage.log_path":      {"log-garbage-at-eof", "log-marked-corrupted"},
		"dotlock-skew.log_path":     {"dotlock-timestamp-skew"},
		"mdbox-append.journal":      {"log-append-uid-conflict", "mdbox-map-lost"},
		"lost-replies.syslog":       {"rename-enoent"},
		"dbox-lost.syslog":          {"dbox-lost-uid", "sdbox-rebuild"},
		"unmounted.syslog":          {"read-only-mount-point"},
		"lock-timeout.syslog":       {"log-lock-timeout"},
		"uidlist-overridden.syslog": {"uidlist-dotlock-overridden", "dotlock-timestamp-skew"},
		"dup-seq.syslog":            {"log-duplicate-sequence"},
		"indexid.syslog":            {"log-indexid-changed"},
		"list-index.syslog":         {"list-index-marked-corrupted"},
	}
	for file, sigs := range want {
		data, err := os.ReadFile(filepath.Join("testdata", file))
		if err != nil {
			t.Fatal(err)
		}
		lg, err := ParseLog(file, data)
		if err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		var got []string
		for _, g := range GroupLines(lg.Lines) {
			got = append(got, g.Name())
		}
		if strings.Join(got, ",") != strings.Join(sigs, ",") {
			t.Errorf("%s: signatures %v, want %v", file, got, sigs)
		}
	}
}

func TestUnknownLinesAreKept(t *testing.T) {
	lg, err := ParseLog("x", []byte("Nov 29 06:12:01 be1 dovecot: imap(a): Error: something new\nNov 29 06:12:01 be1 dovecot: imap(b): Error: something new\n"))
	if err != nil {
		t.Fatal(err)
	}
	g := GroupLines(lg.Lines)
	if len(g) != 1 || g[0].Name() != "unknown" || len(g[0].Lines) != 2 {
		t.Fatalf("groups %+v", g)
	}
	if w := Wanted(g); len(w) != 0 {
		t.Errorf("unknown lines wanted: %v", w)
	}
}

func TestWantedLeavesOutConsequencesAndUnmodelled(t *testing.T) {
	g := GroupLines([]Line{
		{Norm: "sdbox <path>/dbox-Mails: Rebuilding index"},
		{Norm: "sdbox: <path>/u.N already exists, rebuilding index"},
		{Norm: "Transaction log file <path>/dovecot.list.index.log: marked corrupted"},
	})
	if w := Wanted(g); strings.Join(w, ",") != "sdbox-uid-file-collision" {
		t.Errorf("wanted %v", w)
	}
	if w := Wanted(g[:1]); strings.Join(w, ",") != "sdbox-rebuild" {
		t.Errorf("consequence alone: wanted %v", w)
	}
}
