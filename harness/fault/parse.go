package fault

import (
	"bytes"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	toml "github.com/pelletier/go-toml/v2"
)

// planFile is the TOML shape of a plan:
//
//	granularity = "1s"          # optional server timestamp granularity
//
//	[[rule]]
//	name        = "lost-rename-reply"
//	proc        = "RENAME"      # or "NLM.LOCK", "CREATE|LINK"
//	host        = "backend1"    # glob
//	path        = "**/new/*"    # glob over the target path
//	probability = 0.5           # default 1
//	from        = "10s"         # virtual-time window
//	until       = "1m"
//	nth         = 2             # only the 2nd matching call
//	times       = 1             # fire at most once
//	action      = "drop-reply"  # delay, drop-reply, duplicate, status,
//	                            # restart, lose-lock, double-grant
//	delay       = "2s"          # for delay
//	status      = "EIO"         # for status: EIO, ENOSPC, STALE, JUKEBOX
type planFile struct {
	Granularity string     `toml:"granularity"`
	Rule        []RuleSpec `toml:"rule"`
}

// RuleSpec is the TOML form of a Rule (one [[rule]] table of a plan file,
// or one [[fault]] table of a scenario file).
type RuleSpec struct {
	Name        string  `toml:"name"`
	Proc        string  `toml:"proc"`
	Host        string  `toml:"host"`
	Path        string  `toml:"path"`
	Probability float64 `toml:"probability"`
	From        string  `toml:"from"`
	Until       string  `toml:"until"`
	Nth         int     `toml:"nth"`
	Times       int     `toml:"times"`
	Action      string  `toml:"action"`
	Delay       string  `toml:"delay"`
	Status      string  `toml:"status"`
}

// ParsePlan parses a TOML plan (see planFile in parse.go for the format).
// name labels errors, which read "name:LINE: message".
func ParsePlan(name string, src []byte) (Plan, error) {
	var pf planFile
	dec := toml.NewDecoder(bytes.NewReader(src)).DisallowUnknownFields()
	if err := dec.Decode(&pf); err != nil {
		return Plan{}, tomlError(name, err)
	}
	lines := ruleLines(src)
	var p Plan
	var err error
	if p.Granularity, err = parseDur(pf.Granularity); err != nil {
		return Plan{}, fmt.Errorf("%s:%d: granularity: %w", name, keyLine(src, 0, "granularity"), err)
	}
	for i, rf := range pf.Rule {
		start := 1
		if i < len(lines) {
			start = lines[i]
		}
		r, field, err := rf.Rule(i)
		if err != nil {
			return Plan{}, fmt.Errorf("%s:%d: rule %d: %w", name, keyLine(src, start, field), i+1, err)
		}
		p.Rules = append(p.Rules, r)
	}
	return p, nil
}

// Rule converts the i-th (0-based) rule spec of a file; field names the
// key at fault when it fails.
func (rf RuleSpec) Rule(i int) (Rule, string, error) {
	r := Rule{Name: rf.Name, Proc: rf.Proc, Host: rf.Host, Path: rf.Path, Probability: rf.Probability,
		Nth: rf.Nth, Times: rf.Times}
	if r.Name == "" {
		r.Name = fmt.Sprintf("rule%d", i+1)
	}
	var err error
	if r.Action, err = ParseKind(rf.Action); err != nil {
		return r, "action", err
	}
	for _, d := range []struct {
		key string
		src string
		dst *time.Duration
	}{{"from", rf.From, &r.From}, {"until", rf.Until, &r.Until}, {"delay", rf.Delay, &r.Delay}} {
		if *d.dst, err = parseDur(d.src); err != nil {
			return r, d.key, err
		}
	}
	if rf.Status != "" {
		if r.Status, err = ParseStatus(rf.Status); err != nil {
			return r, "status", err
		}
	}
	if err := r.Validate(); err != nil {
		return r, "action", err
	}
	return r, "", nil
}

func parseDur(s string) (time.Duration, error) {
	if s == "" {
		return 0, nil
	}
	return time.ParseDuration(s)
}

func tomlError(name string, err error) error {
	var de *toml.DecodeError
	if errors.As(err, &de) {
		row, _ := de.Position()
		return fmt.Errorf("%s:%d: %s", name, row, de.Error())
	}
	var se *toml.StrictMissingError
	if errors.As(err, &se) && len(se.Errors) > 0 {
		row, _ := se.Errors[0].Position()
		return fmt.Errorf("%s:%d: unknown field %q", name, row, strings.Join(se.Errors[0].Key(), "."))
	}
	return fmt.Errorf("%s: %w", name, err)
}

var ruleHeader = regexp.MustCompile(`^\s*\[\[\s*rule\s*\]\]`)

// ruleLines returns the 1-based line of each [[rule]] header.
func ruleLines(src []byte) []int {
	var out []int
	for i, line := range strings.Split(string(src), "\n") {
		if ruleHeader.MatchString(line) {
			out = append(out, i+1)
		}
	}
	return out
}

// keyLine returns the line of key at or after line start, stopping at the
// next table header; start if key is "" or not found.
func keyLine(src []byte, start int, key string) int {
	lines := strings.Split(string(src), "\n")
	if key == "" || start < 0 {
		return max(start, 1)
	}
	for i := start; i < len(lines); i++ {
		l := strings.TrimSpace(lines[i])
		if i >= start && strings.HasPrefix(l, "[") && i+1 != start {
			break
		}
		if k, _, ok := strings.Cut(l, "="); ok && strings.TrimSpace(k) == key {
			return i + 1
		}
	}
	return max(start, 1)
}

// SpecOf is the TOML form of r, which Rule reads back into r.
func SpecOf(r Rule) RuleSpec {
	rs := RuleSpec{Name: r.Name, Proc: r.Proc, Host: r.Host, Path: r.Path, Probability: r.Probability,
		Nth: r.Nth, Times: r.Times, Action: r.Action.String()}
	for _, d := range []struct {
		v   time.Duration
		dst *string
	}{{r.From, &rs.From}, {r.Until, &rs.Until}, {r.Delay, &rs.Delay}} {
		if d.v != 0 {
			*d.dst = d.v.String()
		}
	}
	if r.Status != 0 {
		for name, st := range statuses {
			if st == r.Status && (rs.Status == "" || name < rs.Status) {
				rs.Status = name
			}
		}
	}
	return rs
}
