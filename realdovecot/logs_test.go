package realdovecot

import "testing"

func TestClassify(t *testing.T) {
	for _, c := range []struct {
		text string
		want Class
	}{
		{"Killed with signal 15 (by pid=1 uid=0 code=kill)", ClassOther},
		{"Mailbox INBOX: Corrupted transaction log file x seq 2: Unexpected garbage at EOF", ClassCorruption},
		{"Mailbox INBOX: sdbox: /x/u.34 already exists, rebuilding index", ClassCorruption},
		{"Timeout (180s) while waiting for lock for transaction log file x", ClassLock},
		{"fcntl(write-lock, F_SETLKW, 0) locking failed: No locks available", ClassLock},
	} {
		if got := Classify(LogLine{Text: c.text}); got != c.want {
			t.Errorf("Classify(%q) = %s, want %s", c.text, got, c.want)
		}
	}
	l := logRe.FindStringSubmatch("2026-01-05 09:00:00 imap(user01)<12><ab>: Error: Mailbox INBOX: broken")
	if l == nil || l[1] != "imap" || l[2] != "user01" || l[3] != "Error" {
		t.Errorf("logRe: %q", l)
	}
}
