package study_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/nfsmail/nfsmail/scenarios"
	"github.com/nfsmail/nfsmail/study"
)

func TestParseKnob(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want study.Knob
		err  bool
	}{
		{in: "mail_fsync=always,never", want: study.Knob{Key: "mail_fsync", Values: []string{"always", "never"}}},
		{in: "hosts=2, 3 ,2", want: study.Knob{Key: "hosts", Values: []string{"2", "3"}}},
		{in: "mount=defaults|nolock,actimeo=0", want: study.Knob{Key: "mount", Values: []string{"defaults", "nolock,actimeo=0"}}},
		{in: "mount=", want: study.Knob{Key: "mount", Values: []string{"defaults"}}},
		{in: "mail_fsync", err: true},
		{in: "=always", err: true},
		{in: "mail_fsync=always,,never", err: true},
	} {
		got, err := study.ParseKnob(tc.in)
		if (err != nil) != tc.err {
			t.Errorf("ParseKnob(%q) error = %v, want error %v", tc.in, err, tc.err)
			continue
		}
		if !tc.err && (got.Key != tc.want.Key || !slices.Equal(got.Values, tc.want.Values)) {
			t.Errorf("ParseKnob(%q) = %+v, want %+v", tc.in, got, tc.want)
		}
	}
}

func knob(t *testing.T, s string) study.Knob {
	t.Helper()
	k, err := study.ParseKnob(s)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func TestJobsAreTheSortedProduct(t *testing.T) {
	spec := study.Spec{Scenarios: []string{"maildir-rando?", "maildir-director", "maildir-random"}, Seeds: 2,
		Knobs: []study.Knob{knob(t, "mail_fsync=never,always"), knob(t, "mount=defaults|nolock,actimeo=0")}}
	jobs, err := spec.Jobs()
	if err != nil {
		t.Fatal(err)
	}
	if len(jobs) != 2*2*2*2 {
		t.Fatalf("%d jobs, want 16", len(jobs))
	}
	if !slices.IsSortedFunc(jobs, func(a, b study.Job) int { return a.Key().Compare(b.Key()) }) {
		t.Fatalf("jobs are not sorted by (variant, seed)")
	}
	v := jobs[len(jobs)-1].Variant
	if v.Name != "maildir-random[mail_fsync=never][mount=nolock,actimeo=0]" || v.Scenario.Name != v.Name ||
		v.Scenario.Mount != "nolock,actimeo=0" || v.Base != "maildir-random" {
		t.Fatalf("last variant = %+v", v)
	}
	if got := v.Replay(7); got != "nfsmail run maildir-random --set mail_fsync=never --set mount=nolock,actimeo=0 --seed 7" {
		t.Fatalf("replay = %q", got)
	}
	if jobs[0].Variant.Scenario.Mount != "" {
		t.Fatalf("mount=defaults gave mount %q", jobs[0].Variant.Scenario.Mount)
	}
}

func TestSpecErrors(t *testing.T) {
	for _, spec := range []study.Spec{
		{Scenarios: []string{"no-such-scenario"}, Seeds: 1},
		{Scenarios: []string{"maildir-director"}, Seeds: 0},
		{Scenarios: []string{"maildir-director"}, Seeds: 1, Knobs: []study.Knob{{Key: "frobnicate", Values: []string{"1"}}}},
		{Scenarios: []string{"maildir-director"}, Seeds: 1, Knobs: []study.Knob{{Key: "mail_fsync", Values: []string{"sometimes"}}}},
		{Scenarios: []string{"missing.toml"}, Seeds: 1},
	} {
		if _, err := spec.Jobs(); err == nil {
			t.Errorf("%+v: no error", spec)
		}
	}
}

// A scenario that asks for more seeds (a rare hazard) gets them in a
// study too, so its verdict agrees with the catalog's.
func TestJobsHonourMinSeeds(t *testing.T) {
	jobs, err := study.Spec{Scenarios: []string{"maildir-director", "mdbox-purge-any-host-nolock"}, Seeds: 5}.Jobs()
	if err != nil {
		t.Fatal(err)
	}
	sc, _ := scenarios.Lookup("mdbox-purge-any-host-nolock")
	if sc.MinSeeds <= 5 {
		t.Fatalf("mdbox-purge-any-host-nolock.MinSeeds = %d; the test needs one above 5", sc.MinSeeds)
	}
	per := map[string]int{}
	for _, j := range jobs {
		per[j.Variant.Name]++
	}
	if per["maildir-director"] != 5 || per["mdbox-purge-any-host-nolock"] != sc.MinSeeds {
		t.Errorf("jobs per variant %v, want 5 and %d", per, sc.MinSeeds)
	}
}

func TestShardsPartitionTheJobs(t *testing.T) {
	jobs, err := study.Spec{Scenarios: []string{"maildir-director"}, Seeds: 7}.Jobs()
	if err != nil {
		t.Fatal(err)
	}
	for n := 1; n <= 8; n++ {
		var union []study.Key
		for k := 1; k <= n; k++ {
			for _, j := range (study.Shard{K: k, N: n}).Of(jobs) {
				union = append(union, j.Key())
			}
		}
		slices.SortFunc(union, study.Key.Compare)
		if len(union) != len(jobs) {
			t.Fatalf("N=%d: shards hold %d jobs, want %d", n, len(union), len(jobs))
		}
		for i, j := range jobs {
			if union[i] != j.Key() {
				t.Fatalf("N=%d: shards do not partition the jobs", n)
			}
		}
	}
	for _, bad := range []string{"0/2", "3/2", "1/0", "a/b", "1"} {
		if _, err := study.ParseShard(bad); err == nil {
			t.Errorf("ParseShard(%q) accepted", bad)
		}
	}
}

// sweepJobs is maildir-director × 2 settings × 3 seeds.
func sweepJobs(t *testing.T) []study.Job {
	t.Helper()
	jobs, err := study.Spec{Scenarios: []string{"maildir-director"}, Seeds: 3,
		Knobs: []study.Knob{knob(t, "mail_fsync=always,never")}}.Jobs()
	if err != nil {
		t.Fatal(err)
	}
	return jobs
}

func TestSweepResumesAndShardsMergeToTheSameFile(t *testing.T) {
	dir := t.TempDir()
	jobs := sweepJobs(t)
	full := filepath.Join(dir, "full.jsonl")
	st, err := study.Sweep(context.Background(), full, jobs, study.Options{})
	if err != nil || st.Ran != 6 || st.Skipped != 0 {
		t.Fatalf("sweep: %+v, %v", st, err)
	}
	// Resume: a complete file runs nothing; a cut-off last line is redone.
	data, _ := os.ReadFile(full)
	if st, err := study.Sweep(context.Background(), full, jobs, study.Options{}); err != nil || st.Ran != 0 || st.Skipped != 6 {
		t.Fatalf("resume of a complete sweep: %+v, %v", st, err)
	}
	cut := filepath.Join(dir, "cut.jsonl")
	os.WriteFile(cut, data[:len(data)-20], 0o644)
	if st, err := study.Sweep(context.Background(), cut, jobs, study.Options{Workers: 1}); err != nil || st.Ran != 1 || st.Skipped != 5 {
		t.Fatalf("resume of a cut-off sweep: %+v, %v", st, err)
	}
	// Shards 1/2 and 2/2, merged, equal the whole sweep merged.
	var parts []string
	for k := 1; k <= 2; k++ {
		p := filepath.Join(dir, "part"+string(rune('0'+k))+".jsonl")
		if _, err := study.Sweep(context.Background(), p, study.Shard{K: k, N: 2}.Of(jobs), study.Options{}); err != nil {
			t.Fatal(err)
		}
		parts = append(parts, p)
	}
	want := merged(t, full)
	if got := merged(t, parts...); !bytes.Equal(got, want) {
		t.Fatalf("merged shards differ from the whole sweep:\n%s\nvs\n%s", got, want)
	}
	if got := merged(t, cut, parts[1], full); !bytes.Equal(got, want) {
		t.Fatalf("merge with duplicates differs from the whole sweep")
	}
	if n := bytes.Count(want, []byte("\n")); n != 6 {
		t.Fatalf("merged file has %d lines, want 6", n)
	}
}

func merged(t *testing.T, paths ...string) []byte {
	t.Helper()
	recs, err := study.Merge(paths...)
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := study.Write(&b, recs); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestMergeRejectsConflictingTraces(t *testing.T) {
	dir := t.TempDir()
	line := `{"scenario":"s","variant":"s","seed":1,"verdict":"CLEAN","trace_sha256":"%s"}` + "\n"
	a, b := filepath.Join(dir, "a.jsonl"), filepath.Join(dir, "b.jsonl")
	os.WriteFile(a, []byte(strings.ReplaceAll(line, "%s", "aaaa")), 0o644)
	os.WriteFile(b, []byte(strings.ReplaceAll(line, "%s", "bbbb")), 0o644)
	_, err := study.Merge(a, b)
	if err == nil || !strings.Contains(err.Error(), a) || !strings.Contains(err.Error(), b) {
		t.Fatalf("merge of conflicting traces: %v", err)
	}
	os.WriteFile(b, []byte("{not json\n"), 0o644)
	if _, err := study.Merge(a, b); err == nil || !strings.Contains(err.Error(), b+":1") {
		t.Fatalf("merge of a broken file: %v", err)
	}
}

func TestCancelledSweepStartsNothing(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	st, err := study.Sweep(ctx, filepath.Join(t.TempDir(), "r.jsonl"), sweepJobs(t), study.Options{})
	if !errors.Is(err, context.Canceled) || st.Ran != 0 {
		t.Fatalf("cancelled sweep: %+v, %v", st, err)
	}
}

func TestRecordsCarryTheRun(t *testing.T) {
	jobs := sweepJobs(t)[:1]
	var got []study.Record
	if err := study.Run(context.Background(), jobs, study.Options{}, func(r study.Record) { got = append(got, r) }); err != nil {
		t.Fatal(err)
	}
	r := got[0]
	if r.Variant != "maildir-director[mail_fsync=always]" || r.Scenario != "maildir-director" || r.Seed != 1 ||
		!slices.Equal(r.Knobs, []string{"mail_fsync=always"}) || r.Ops == 0 || r.RPCs == 0 || len(r.TraceSHA256) != 64 ||
		r.Replay != "nfsmail run maildir-director --set mail_fsync=always --seed 1" || r.Verdict == "" {
		t.Fatalf("record = %+v", r)
	}
}
