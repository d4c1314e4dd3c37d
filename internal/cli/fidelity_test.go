package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// --from-json renders saved rows without running anything: a later file's
// row replaces an earlier row of the same scenario, and the explanation
// is made anew.
func TestFidelityFromJSON(t *testing.T) {
	dir := t.TempDir()
	first := filepath.Join(dir, "all.json")
	second := filepath.Join(dir, "again.json")
	os.WriteFile(first, []byte(`[
 {"scenario": "a", "format": "sdbox", "runs": 1, "sim_verdicts": ["CLEAN"], "real_verdicts": ["CLEAN"], "differ": ["stale text"]},
 {"scenario": "b", "format": "mdbox", "runs": 1, "sim_verdicts": ["CLEAN"], "real_verdicts": ["CLEAN"]}]`), 0o644)
	os.WriteFile(second, []byte(`[
 {"scenario": "b", "format": "mdbox", "runs": 1, "sim_verdicts": ["CLEAN"], "real_verdicts": ["CORRUPTED"]}]`), 0o644)
	code, out, errs := run("fidelity", "--from-json", first, "--from-json", second)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) < 4 || !strings.HasPrefix(lines[2], "| a |") || !strings.HasPrefix(lines[3], "| b |") {
		t.Fatalf("rows:\n%s", out)
	}
	if strings.Contains(lines[2], "stale text") || !strings.Contains(lines[2], "| agree |") {
		t.Errorf("row a not explained anew: %s", lines[2])
	}
	if !strings.Contains(lines[3], "real CORRUPTED 1/1") {
		t.Errorf("row b not replaced by the second file: %s", lines[3])
	}
	for _, bad := range [][]string{
		{"fidelity", "--from-json", filepath.Join(dir, "missing.json")},
		{"fidelity", "--from-json", "/dev/null"},
		{"fidelity", "--from-json", first, "maildir-director"},
	} {
		if code, _, errs := run(bad...); code == 0 || errs == "" {
			t.Errorf("%v: exit %d, stderr %q", bad, code, errs)
		}
	}
}
