package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nfsmail/nfsmail/scenarios"
)

// sweepArgs is maildir-director × 2 settings × 3 seeds.
func sweepArgs(out string, extra ...string) []string {
	return append([]string{"matrix", "--scenario", "maildir-director", "--set", "mail_fsync=always,never", "--seeds", "3", "--out", out}, extra...)
}

func TestMatrixWritesResumesAndShards(t *testing.T) {
	dir := t.TempDir()
	full := filepath.Join(dir, "full.jsonl")
	code, out, errs := run(sweepArgs(full)...)
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errs)
	}
	for _, want := range []string{"| maildir-director[mail_fsync=always] | CLEAN | 3 |", "| maildir-director[mail_fsync=never] |"} {
		if !strings.Contains(out, want) {
			t.Errorf("summary lacks %q:\n%s", want, out)
		}
	}
	if !strings.Contains(errs, "2 variants × 3 seeds = 6 runs") || !strings.Contains(errs, "6 runs written") {
		t.Errorf("stderr: %s", errs)
	}
	if data, _ := os.ReadFile(full); strings.Count(string(data), "\n") != 6 {
		t.Fatalf("results file has %d lines, want 6", strings.Count(string(data), "\n"))
	}
	if code, _, errs := run(sweepArgs(full)...); code != ExitOK || !strings.Contains(errs, "0 runs written") || !strings.Contains(errs, "6 were already there") {
		t.Fatalf("resume: exit %d: %s", code, errs)
	}
	var parts []string
	for _, k := range []string{"1/2", "2/2"} {
		p := filepath.Join(dir, "part"+k[:1]+".jsonl")
		if code, _, errs := run(sweepArgs(p, "--shard", k, "--quiet")...); code != ExitOK || errs != "" {
			t.Fatalf("shard %s: exit %d: %q", k, code, errs)
		}
		parts = append(parts, p)
	}
	_, want, _ := run("report", "merge", full)
	code, got, errs := run(append([]string{"report", "merge"}, parts...)...)
	if code != ExitOK || got != want || strings.Count(got, "\n") != 6 {
		t.Fatalf("merged shards (exit %d, %s) differ from the whole sweep:\n%s\nvs\n%s", code, errs, got, want)
	}
}

func TestMatrixToStdout(t *testing.T) {
	code, out, errs := run("matrix", "--scenario", "maildir-director", "--seeds", "2", "--out", "-", "-q")
	if code != ExitOK || strings.Count(out, "\n") != 2 || !strings.Contains(out, `"replay":"nfsmail run maildir-director --seed 2"`) ||
		!strings.Contains(out, `"replay":"nfsmail run maildir-director --seed 1"`) {
		t.Fatalf("exit %d: %s\n%s", code, errs, out)
	}
}

func TestReportFormats(t *testing.T) {
	dir := t.TempDir()
	fixture := filepath.Join("..", "..", "reports", "testdata", "results.jsonl")
	for format, want := range map[string]string{
		"md": "| maildir-director[mail_fsync=never] |", "json": `"schema_version": 1`,
		"junit": "<testsuites", "html": "<svg",
	} {
		path := filepath.Join(dir, "report."+format)
		if code, out, errs := run("report", "--format", format, "--out", path, fixture); code != ExitOK || out != "" {
			t.Fatalf("%s: exit %d, stdout %q: %s", format, code, out, errs)
		}
		if data, _ := os.ReadFile(path); !strings.Contains(string(data), want) {
			t.Errorf("%s report lacks %q", format, want)
		}
	}
	if code, _, _ := run("report", "--check", fixture); code != ExitMismatch {
		t.Errorf("report --check of disagreeing results: exit %d, want 1", code)
	}
}

func TestStudyUsageErrorsExitTwo(t *testing.T) {
	out := filepath.Join(t.TempDir(), "r.jsonl")
	for _, args := range [][]string{
		{"matrix", "--shard", "3/2", "--out", out},
		{"matrix", "--set", "frobnicate=1", "--out", out},
		{"matrix", "--set", "mail_fsync", "--out", out},
		{"matrix", "--scenario", "no-such-*", "--out", out},
		{"matrix", "--seeds", "0", "--out", out},
		{"report", "--format", "pdf", out},
		{"report", filepath.Join(t.TempDir(), "missing.jsonl")},
		{"report"},
		{"report", "merge"},
	} {
		code, _, errs := run(args...)
		if code != ExitUsage || errs == "" {
			t.Errorf("%v: exit %d, stderr %q; want 2 with a message", args, code, errs)
		}
	}
}

func TestKnobCompletionsAreAccepted(t *testing.T) {
	sc, err := scenarios.Lookup("maildir-director")
	if err != nil {
		t.Fatal(err)
	}
	for key, values := range knobValues {
		for _, v := range values {
			if key == "mount" && v == "defaults" {
				v = ""
			}
			if _, err := sc.With(key, v); err != nil {
				t.Errorf("completion %s=%s: %v", key, v, err)
			}
		}
	}
	_, out, _ := run("__complete", "matrix", "--set", "mail_f")
	if !strings.Contains(out, "mail_fsync=") {
		t.Errorf("completion of --set mail_f:\n%s", out)
	}
	_, out, _ = run("__complete", "matrix", "--set", "mail_fsync=")
	if !strings.Contains(out, "mail_fsync=never") {
		t.Errorf("completion of --set mail_fsync=:\n%s", out)
	}
	_, out, _ = run("__complete", "report", "--format", "")
	if !strings.Contains(out, "junit") {
		t.Errorf("completion of --format:\n%s", out)
	}
}
