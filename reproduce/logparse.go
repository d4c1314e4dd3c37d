package reproduce

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strings"
)

// Line is one error or warning Dovecot logged, taken out of whatever log
// format carried it.
type Line struct {
	N       int    `json:"line"`    // 1-based line (or journal entry start line) in the input
	Raw     string `json:"raw"`     // the line as it was read (the MESSAGE for journal entries)
	Host    string `json:"host"`    // syslog or journal host name, when the format carries one
	Service string `json:"service"` // imap, lmtp, doveadm, ... ("" when the line names none)
	User    string `json:"user"`
	Level   string `json:"level"` // Error, Fatal, Panic or Warning
	Text    string `json:"text"`  // the message after the level
	// Norm is Text with paths, numbers, ids and user names replaced
	// (see Normalize); signatures match it.
	Norm string `json:"normalized"`
}

// Log is what ParseLog read.
type Log struct {
	// Format is "syslog", "log_path", "journal-export", "journal-json"
	// or "plain" (message lines without a time stamp).
	Format string
	// Lines are the Dovecot errors and warnings, in input order.
	Lines []Line
	// Ignored counts log lines that were not Dovecot errors or warnings
	// (Info and Debug lines, other programs).
	Ignored int
	// Unparsed are input lines that are not log lines in the format
	// (continuation lines of a multi-line message, stray text); they are
	// reported, never silently dropped.
	Unparsed []Unparsed
}

// Unparsed is an input line ParseLog could not read as a log line.
type Unparsed struct {
	N    int    `json:"line"`
	Text string `json:"text"`
}

// ErrNotALog is returned (wrapped, naming the input and a line) when the
// input holds no log line in any format ParseLog knows.
var ErrNotALog = errors.New("not a Dovecot log")

var (
	// msgRe is Dovecot's own prefix: "imap(user)<pid><session>: Error: text",
	// "lmtp(pid): Warning: ...", or the older level-first form
	// "Error: IMAP(user): text".
	msgRe = regexp.MustCompile(`^(?:([A-Za-z][\w-]*)(?:\(([^)]*)\))?((?:<[^>]*>)*): )?(Error|Fatal|Panic|Warning|Info|Debug): (.*)$`)
	// levelFirstRe: "Error: imap(user): text" (Dovecot 1.x/2.0 log_path).
	levelFirstRe = regexp.MustCompile(`^(Error|Fatal|Panic|Warning|Info|Debug): ([A-Za-z][\w-]*)(?:\(([^)]*)\))?((?:<[^>]*>)*): (.*)$`)
	// syslogRe: "Nov 29 06:12:01 host dovecot[123]: MESSAGE" (also
	// journalctl -o short). The program part is group 2.
	syslogRe = regexp.MustCompile(`^(?:[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d|\d{4}-\d\d-\d\dT[\d:.]+(?:Z|[+-]\d\d:?\d\d)?) (\S+) ([^\s:\[]+)(?:\[\d+\])?: (.*)$`)
	// logPathRe: "Nov 29 06:12:01 MESSAGE" or "2026-11-29 06:12:01 MESSAGE"
	// (log_timestamp variants, optionally with fractions of a second).
	logPathRe = regexp.MustCompile(`^(?:[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d|\d{4}-\d\d-\d\d[ T]\d\d:\d\d:\d\d)(?:[.,]\d+)? (.*)$`)
	// oldLogPathRe: "dovecot: Nov 29 06:12:01 Error: ..." (1.x log_path).
	oldLogPathRe = regexp.MustCompile(`^dovecot: [A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d (.*)$`)
)

// journalMagic starts a binary systemd journal file.
var journalMagic = []byte("LPKSHHRH")

// ParseLog reads Dovecot log lines from data in any of the formats Dovecot
// logs go through: syslog (and journalctl -o short), Dovecot's log_path
// files (with either log_timestamp), `journalctl -o export` blocks and
// `journalctl -o json` lines. name labels errors. Lines that are not
// Dovecot errors or warnings are counted in Ignored; lines that are not
// log lines at all are listed in Unparsed. An input with no log line at
// all is an error wrapping ErrNotALog.
func ParseLog(name string, data []byte) (*Log, error) {
	switch {
	case len(bytes.TrimSpace(data)) == 0:
		return nil, fmt.Errorf("%s: empty: %w", name, ErrNotALog)
	case bytes.HasPrefix(data, journalMagic):
		return nil, fmt.Errorf("%s: a binary journal file: %w (run `journalctl -o export --file %s` and give its output)", name, ErrNotALog, name)
	case looksJournalExport(data):
		return parseJournalExport(name, data)
	case bytes.HasPrefix(bytes.TrimSpace(data), []byte("{")):
		return parseJournalJSON(name, data)
	}
	if bytes.IndexByte(data, 0) >= 0 {
		return nil, fmt.Errorf("%s: binary data (NUL byte at offset %d): %w", name, bytes.IndexByte(data, 0), ErrNotALog)
	}
	return parseText(name, data)
}

func parseText(name string, data []byte) (*Log, error) {
	lg := &Log{}
	counts := map[string]int{}
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 64<<10), 4<<20)
	for n := 1; sc.Scan(); n++ {
		raw := strings.TrimRight(sc.Text(), "\r")
		if strings.TrimSpace(raw) == "" {
			continue
		}
		format, host, prog, msg := splitText(raw)
		if format == "" {
			lg.Unparsed = append(lg.Unparsed, Unparsed{N: n, Text: raw})
			continue
		}
		counts[format]++
		if prog != "" && !isDovecot(prog) {
			lg.Ignored++
			continue
		}
		lg.add(n, raw, host, msg)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	lg.Format = mostCommon(counts)
	if lg.Format == "" {
		first := lg.Unparsed[0]
		return nil, fmt.Errorf("%s:%d: %w: %q is not a syslog, log_path, journal or Dovecot message line", name, first.N, ErrNotALog, clip(first.Text, 80))
	}
	return lg, nil
}

// splitText recognises one text line; format is "" when it is not a log line.
func splitText(raw string) (format, host, prog, msg string) {
	if m := logPathRe.FindStringSubmatch(raw); m != nil && isMessage(m[1]) {
		return "log_path", "", "", m[1]
	}
	if m := syslogRe.FindStringSubmatch(raw); m != nil {
		return "syslog", m[1], m[2], m[3]
	}
	if m := oldLogPathRe.FindStringSubmatch(raw); m != nil && isMessage(m[1]) {
		return "log_path", "", "", m[1]
	}
	if isMessage(raw) {
		return "plain", "", "", raw
	}
	return "", "", "", ""
}

func isMessage(s string) bool { return msgRe.MatchString(s) || levelFirstRe.MatchString(s) }

// isDovecot reports whether a syslog program name is Dovecot's (dovecot,
// or a service logging under its own name such as imap or lmtp).
func isDovecot(prog string) bool {
	switch strings.ToLower(prog) {
	case "dovecot", "imap", "pop3", "lmtp", "lda", "dovecot-lda", "deliver", "doveadm", "indexer-worker", "managesieve", "quota-status":
		return true
	}
	return false
}

// add records msg if it is a Dovecot error or warning.
func (lg *Log) add(n int, raw, host, msg string) {
	var svc, user, level, text string
	if m := levelFirstRe.FindStringSubmatch(msg); m != nil {
		level, svc, user, text = m[1], m[2], m[3], m[5]
	} else if m := msgRe.FindStringSubmatch(msg); m != nil {
		svc, user, level, text = m[1], m[2], m[4], m[5]
	} else {
		lg.Ignored++ // a Dovecot line without a level (startup banners and the like)
		return
	}
	if level == "Info" || level == "Debug" {
		lg.Ignored++
		return
	}
	if isPID(user) {
		user = ""
	}
	lg.Lines = append(lg.Lines, Line{N: n, Raw: raw, Host: host, Service: strings.ToLower(svc), User: user,
		Level: level, Text: text, Norm: Normalize(text, user)})
}

func isPID(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

func looksJournalExport(data []byte) bool {
	for _, l := range bytes.SplitN(data, []byte("\n"), 8) {
		if bytes.HasPrefix(l, []byte("__CURSOR=")) || bytes.HasPrefix(l, []byte("__REALTIME_TIMESTAMP=")) || bytes.HasPrefix(l, []byte("MESSAGE=")) {
			return true
		}
	}
	return false
}

// parseJournalExport reads `journalctl -o export`: entries of FIELD=value
// lines separated by blank lines; a field whose value is not plain text
// is written as its name, a newline, a little-endian uint64 length, the
// bytes and a newline.
func parseJournalExport(name string, data []byte) (*Log, error) {
	lg := &Log{Format: "journal-export"}
	entry, start, line := map[string]string{}, 1, 1
	flush := func() {
		if len(entry) > 0 {
			lg.journalEntry(start, entry)
		}
		entry = map[string]string{}
	}
	for len(data) > 0 {
		i := bytes.IndexByte(data, '\n')
		if i < 0 {
			i = len(data)
		}
		field := string(data[:i])
		data = data[min(i+1, len(data)):]
		switch k, v, ok := strings.Cut(field, "="); {
		case field == "":
			flush()
			start = line + 1
		case ok:
			entry[k] = v
		default:
			if len(data) < 8 {
				return nil, fmt.Errorf("%s:%d: journal export field %s: binary value without its length", name, line, clip(field, 40))
			}
			size := binary.LittleEndian.Uint64(data[:8])
			if size > uint64(len(data)-8) {
				return nil, fmt.Errorf("%s:%d: journal export field %s: value of %d bytes runs past the end of the input", name, line, clip(field, 40), size)
			}
			val := data[8 : 8+size]
			entry[field] = string(val)
			line += bytes.Count(val, []byte("\n"))
			data = data[8+size:]
			data = bytes.TrimPrefix(data, []byte("\n"))
		}
		line++
	}
	flush()
	if len(lg.Lines) == 0 && lg.Ignored == 0 {
		return nil, fmt.Errorf("%s: journal export without MESSAGE fields: %w", name, ErrNotALog)
	}
	return lg, nil
}

// parseJournalJSON reads `journalctl -o json`: one JSON object a line.
func parseJournalJSON(name string, data []byte) (*Log, error) {
	lg := &Log{Format: "journal-json"}
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 64<<10), 4<<20)
	for n := 1; sc.Scan(); n++ {
		if strings.TrimSpace(sc.Text()) == "" {
			continue
		}
		var raw map[string]any
		if err := json.Unmarshal(sc.Bytes(), &raw); err != nil {
			return nil, fmt.Errorf("%s:%d: journal JSON: %v", name, n, err)
		}
		entry := map[string]string{}
		for k, v := range raw {
			if s, ok := v.(string); ok {
				entry[k] = s
			}
		}
		lg.journalEntry(n, entry)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return lg, nil
}

func (lg *Log) journalEntry(n int, e map[string]string) {
	msg, ok := e["MESSAGE"]
	if !ok {
		lg.Unparsed = append(lg.Unparsed, Unparsed{N: n, Text: "journal entry without MESSAGE"})
		return
	}
	prog := e["SYSLOG_IDENTIFIER"]
	if prog == "" {
		prog = e["_COMM"]
	}
	if prog != "" && !isDovecot(prog) {
		lg.Ignored++
		return
	}
	lg.add(n, msg, e["_HOSTNAME"], msg)
}

func mostCommon(counts map[string]int) string {
	best := ""
	for _, f := range []string{"syslog", "log_path", "plain"} {
		if counts[f] > counts[best] {
			best = f
		}
	}
	return best
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
