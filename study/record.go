package study

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"github.com/nfsmail/nfsmail/harness/check"
	"github.com/nfsmail/nfsmail/scenarios"
)

// Record is one finished run: one line of a results file. Its JSON form
// only ever gains fields.
type Record struct {
	Scenario string        `json:"scenario"` // the base scenario
	Variant  string        `json:"variant"`
	Knobs    []string      `json:"knobs"` // "key=value", in the order applied
	Seed     uint64        `json:"seed"`
	Verdict  check.Verdict `json:"verdict"`
	Expected check.Verdict `json:"expected_verdict"`
	// Findings counts the run's findings by kind.
	Findings       map[check.Kind]int `json:"findings"`
	RPCs           int                `json:"rpcs"`
	Ops            int                `json:"ops"`
	OpsFailed      int                `json:"ops_failed"`
	RPCsPerOp      float64            `json:"rpcs_per_op"`
	VirtualSeconds float64            `json:"virtual_seconds"`
	// BusySeconds is the time operations took, think time excluded.
	BusySeconds float64 `json:"busy_seconds"`
	// FirstCorruptionSeconds is -1 when the run found no damage.
	FirstCorruptionSeconds float64 `json:"first_corruption_seconds"`
	TraceSHA256            string  `json:"trace_sha256"`
	Replay                 string  `json:"replay"`
}

// Key returns the record's identity.
func (r Record) Key() Key { return Key{Variant: r.Variant, Seed: r.Seed} }

// NewRecord summarises the result of running v with some seed.
func NewRecord(v *Variant, res *scenarios.Result) Record {
	r := Record{
		Scenario: v.Base, Variant: v.Name, Knobs: slices.Clone(v.Knobs), Seed: res.Seed,
		Verdict: res.Verdict, Expected: res.Expected, Findings: map[check.Kind]int{},
		RPCs: res.RPCs, Ops: res.Ops, OpsFailed: res.OpsFailed, RPCsPerOp: res.RPCsPerOp,
		VirtualSeconds: res.VirtualSeconds, BusySeconds: res.BusySeconds, FirstCorruptionSeconds: res.FirstCorruptionSeconds,
		TraceSHA256: res.TraceSHA256, Replay: v.Replay(res.Seed),
	}
	if r.Knobs == nil {
		r.Knobs = []string{}
	}
	for _, f := range res.Findings {
		r.Findings[f.Kind]++
	}
	return r
}

// Replay is the command that replays one seed of the variant.
func (v *Variant) Replay(seed uint64) string {
	var b strings.Builder
	b.WriteString("nfsmail run ")
	b.WriteString(shellQuote(v.Source))
	for _, k := range v.Knobs {
		b.WriteString(" --set ")
		b.WriteString(shellQuote(k))
	}
	fmt.Fprintf(&b, " --seed %d", seed)
	return b.String()
}

// shellQuote quotes s for a POSIX shell when it needs it.
func shellQuote(s string) string {
	if s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_=.,:/+@%", r))
	}) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// Marshal returns the record as one JSON line, newline included.
func (r Record) Marshal() []byte {
	b, err := json.Marshal(r)
	if err != nil {
		panic("harness internal error: record does not marshal: " + err.Error())
	}
	return append(b, '\n')
}

// Read parses a results file's lines; name is used in errors ("name:line").
// Blank lines are skipped.
func Read(r io.Reader, name string) ([]Record, error) {
	recs, _, err := read(r, name, false)
	return recs, err
}

// ReadFile reads a results file.
func ReadFile(path string) ([]Record, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return Read(f, path)
}

// read parses records. With tolerateTail, a last line that is cut short
// (no newline: a sweep interrupted mid-write) is dropped rather than an
// error; good is the length of the prefix that holds whole lines.
func read(r io.Reader, name string, tolerateTail bool) (recs []Record, good int64, err error) {
	br := bufio.NewReader(r)
	for lineNo := 1; ; lineNo++ {
		line, err := br.ReadBytes('\n')
		if errors.Is(err, io.EOF) {
			if len(bytes.TrimSpace(line)) == 0 || tolerateTail {
				return recs, good, nil
			}
		} else if err != nil {
			return nil, 0, fmt.Errorf("%s: %w", name, err)
		}
		if len(bytes.TrimSpace(line)) > 0 {
			var rec Record
			if err := json.Unmarshal(line, &rec); err != nil {
				return nil, 0, fmt.Errorf("%s:%d: not a result record: %w", name, lineNo, err)
			}
			if rec.Variant == "" || rec.Seed == 0 {
				return nil, 0, fmt.Errorf("%s:%d: record has no variant or seed", name, lineNo)
			}
			recs = append(recs, rec)
		}
		good += int64(len(line))
		if errors.Is(err, io.EOF) {
			return recs, good, nil
		}
	}
}

// Write writes records as JSON lines.
func Write(w io.Writer, recs []Record) error {
	bw := bufio.NewWriter(w)
	for _, r := range recs {
		if _, err := bw.Write(r.Marshal()); err != nil {
			return err
		}
	}
	return bw.Flush()
}

// Merge reads results files and returns their union sorted by (variant,
// seed). A key found twice with the same trace hash is kept once; with
// different hashes (different code or a broken determinism) it is an
// error that names both files.
func Merge(paths ...string) ([]Record, error) {
	var all []Record
	from := map[Key]string{}
	byKey := map[Key]Record{}
	for _, p := range paths {
		recs, err := ReadFile(p)
		if err != nil {
			return nil, fmt.Errorf("merge: %w", err)
		}
		for _, r := range recs {
			k := r.Key()
			if prev, ok := byKey[k]; ok {
				if prev.TraceSHA256 != r.TraceSHA256 {
					return nil, fmt.Errorf("merge: %s: trace %s in %s but %s in %s (results of different nfsmail versions?)",
						k, short(prev.TraceSHA256), from[k], short(r.TraceSHA256), p)
				}
				continue
			}
			byKey[k], from[k] = r, p
			all = append(all, r)
		}
	}
	Sort(all)
	return all, nil
}

// Sort orders records by (variant, seed).
func Sort(recs []Record) {
	slices.SortFunc(recs, func(a, b Record) int { return a.Key().Compare(b.Key()) })
}

func short(h string) string {
	if len(h) > 12 {
		return h[:12]
	}
	return h
}
