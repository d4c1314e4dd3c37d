package realdovecot

import (
	"bufio"
	"os"
	"regexp"
	"strings"
)

// LogLine is one Dovecot log line of Warning severity or worse.
type LogLine struct {
	Host    string `json:"host"`
	Service string `json:"service"` // imap, lmtp, ...
	User    string `json:"user"`
	Level   string `json:"level"` // Warning, Error, Fatal, Panic
	Text    string `json:"text"`
	Audit   bool   `json:"audit"` // logged by the auditor instance
}

// logRe matches "2026-01-05 09:00:00 imap(user01)<123><abc>: Error: text".
var logRe = regexp.MustCompile(`^\S+ \S+ ([a-z-]+)(?:\(([^)]*)\))?(?:<[^>]*>)*: (Warning|Error|Fatal|Panic): (.*)$`)

// readLog parses an instance's error log (log_path holds warnings and
// worse; info goes to info_log_path).
func readLog(path, host string, audit bool) ([]LogLine, error) {
	f, err := os.Open(path)
	if os.IsNotExist(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []LogLine
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		m := logRe.FindStringSubmatch(sc.Text())
		if m == nil {
			continue
		}
		if m[1] == "master" && strings.HasPrefix(m[4], "Killed with signal") {
			continue // our own SIGTERM at shutdown
		}
		out = append(out, LogLine{Host: host, Service: m[1], User: m[2], Level: m[3], Text: m[4], Audit: audit})
	}
	return out, sc.Err()
}

// Class is what a Dovecot log line says about the mail store.
type Class string

// Classes of log lines. Corruption lines are Dovecot detecting damage in its
// own files (it usually rebuilds: SELF-HEALED unless mail was lost); lock
// lines are timeouts and lock failures; other lines are anything else.
const (
	ClassCorruption Class = "corruption"
	ClassLock       Class = "lock"
	ClassOther      Class = "other"
)

var corruptionWords = []string{"corrupt", "fsck", "rebuild", "broken", "inconsistent", "lost log",
	"already exists", "uidvalidity", "duplicate", "reappeared", "garbage", "next_uid", "uid_next"}

// Classify sorts a log line into a Class by Dovecot's own wording.
func Classify(l LogLine) Class {
	t := strings.ToLower(l.Text)
	switch {
	case strings.Contains(t, "lock") && (strings.Contains(t, "timeout") || strings.Contains(t, "timed out") ||
		strings.Contains(t, "fcntl") || strings.Contains(t, "flock") || strings.Contains(t, "no locks")):
		return ClassLock
	}
	for _, w := range corruptionWords {
		if strings.Contains(t, w) {
			return ClassCorruption
		}
	}
	return ClassOther
}
