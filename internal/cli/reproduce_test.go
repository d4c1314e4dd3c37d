package cli

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
)

func TestReproduceJSONHasTheDocumentedFields(t *testing.T) {
	out := filepath.Join(t.TempDir(), "case")
	code, stdout, errs := run("reproduce", "../../reproduce/testdata/sdbox-collision.syslog", "--budget", "15s", "--out", out, "--json")
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var obj map[string]any
	if err := json.Unmarshal([]byte(stdout), &obj); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, stdout)
	}
	for _, k := range []string{"reproduced", "signatures", "unknown_lines", "scenario", "seed", "replay", "factors"} {
		if _, ok := obj[k]; !ok {
			t.Errorf("JSON lacks %q", k)
		}
	}
	sigs, _ := obj["signatures"].([]any)
	if len(sigs) == 0 || sigs[0].(map[string]any)["matched"] != true {
		t.Errorf("signatures %v", obj["signatures"])
	}
	if r, _ := obj["replay"].(string); !strings.Contains(r, "--ops") {
		t.Errorf("replay %q", r)
	}
}

func TestReproduceRejectsMalformedInput(t *testing.T) {
	code, _, errs := run("reproduce", "../../examples/doveconf/director.conf", "--budget", "1s", "--out", t.TempDir())
	if code != ExitUsage || !strings.Contains(errs, "not a Dovecot log") {
		t.Errorf("exit %d, stderr %q", code, errs)
	}
	code, _, errs = run("reproduce", "../../reproduce/testdata/sdbox-collision.syslog", "--try", "mail_fsync=sometimes")
	if code != ExitUsage || !strings.Contains(errs, "mail_fsync") {
		t.Errorf("exit %d, stderr %q", code, errs)
	}
}
