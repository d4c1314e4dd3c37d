package mailstore

import (
	"fmt"
	"strings"
)

// Entry is one logged line.
type Entry struct {
	Level Level
	Text  string
}

// String renders the entry as Dovecot prefixes it ("Warning: ...").
func (e Entry) String() string { return e.Level.String() + ": " + e.Text }

// Recorder is a Logger that keeps every line, for tests and the checker.
// It is not safe for concurrent use (simulated processes run one at a time).
type Recorder struct {
	Entries []Entry
}

// Logf implements Logger.
func (r *Recorder) Logf(level Level, format string, args ...any) {
	r.Entries = append(r.Entries, Entry{Level: level, Text: fmt.Sprintf(format, args...)})
}

// Find returns the entries whose text contains substr.
func (r *Recorder) Find(substr string) []Entry {
	var out []Entry
	for _, e := range r.Entries {
		if strings.Contains(e.Text, substr) {
			out = append(out, e)
		}
	}
	return out
}
