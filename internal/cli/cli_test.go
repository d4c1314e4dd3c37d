package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func run(args ...string) (code int, stdout, stderr string) {
	var out, errb bytes.Buffer
	code = Run(context.Background(), args, &out, &errb)
	return code, out.String(), errb.String()
}

func TestRunJSONHasTheDocumentedFields(t *testing.T) {
	code, out, errs := run("run", "maildir-director", "--seed", "3", "--json")
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var obj map[string]any
	if err := json.Unmarshal([]byte(out), &obj); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out)
	}
	for _, k := range []string{"scenario", "seed", "verdict", "expected_verdict", "findings", "rpc_counts", "ops", "virtual_seconds", "trace_sha256", "replay"} {
		if _, ok := obj[k]; !ok {
			t.Errorf("JSON lacks %q", k)
		}
	}
	if obj["replay"] != "nfsmail run maildir-director --seed 3" {
		t.Errorf("replay = %v", obj["replay"])
	}
}

func TestRunHumanOutputAndReplay(t *testing.T) {
	code, out, _ := run("run", "maildir-random", "--seed", "5")
	if code != ExitOK && code != ExitMismatch {
		t.Fatalf("exit %d", code)
	}
	for _, want := range []string{"verdict", "rpcs", "trace     sha256", "replay    nfsmail run maildir-random --seed 5"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	_, again, _ := run("run", "maildir-random", "--seed", "5")
	if again != out {
		t.Fatalf("the same command printed different results")
	}
}

func TestUsageErrorsExitTwo(t *testing.T) {
	for _, args := range [][]string{
		{"run", "no-such-scenario"},
		{"run"},
		{"run", "maildir-director", "--seed", "minus-one"},
		{"frobnicate"},
	} {
		code, _, errs := run(args...)
		if code != ExitUsage || errs == "" {
			t.Errorf("%v: exit %d, stderr %q; want 2 with a message", args, code, errs)
		}
	}
}

func TestKeepWritesTheStore(t *testing.T) {
	dir := t.TempDir()
	if code, _, errs := run("run", "maildir-director", "--keep", dir); code != ExitOK {
		t.Fatalf("exit %d: %s", code, errs)
	}
	news, _ := filepath.Glob(filepath.Join(dir, "user*", "Maildir", "cur", "*"))
	uidlists, _ := filepath.Glob(filepath.Join(dir, "user*", "Maildir", "dovecot-uidlist"))
	if len(news) == 0 || len(uidlists) == 0 {
		t.Fatalf("kept store has %d messages in cur/ and %d uidlists", len(news), len(uidlists))
	}
	if b, _ := os.ReadFile(uidlists[0]); !strings.HasPrefix(string(b), "3 V") {
		t.Fatalf("uidlist does not start with a v3 header: %q", b)
	}
}

func TestScenariosListsClaims(t *testing.T) {
	code, out, _ := run("scenarios", "--json")
	if code != ExitOK {
		t.Fatal(code)
	}
	var list []scenarioInfo
	if err := json.Unmarshal([]byte(out), &list); err != nil || len(list) < 2 {
		t.Fatalf("%v: %s", err, out)
	}
	for _, s := range list {
		if s.Claim == "" || s.Expected == "" || s.Format == "" {
			t.Errorf("incomplete entry %+v", s)
		}
	}
}

func TestRunScenarioFile(t *testing.T) {
	code, out, errs := run("run", "../../examples/maildir-nolock-skew.toml", "--seed", "2")
	if code != ExitOK {
		t.Fatalf("exit %d: %s%s", code, out, errs)
	}
	if !strings.Contains(out, "replay    nfsmail run ../../examples/maildir-nolock-skew.toml --seed 2") {
		t.Fatalf("replay line missing:\n%s", out)
	}
	bad := filepath.Join(t.TempDir(), "bad.toml")
	os.WriteFile(bad, []byte("name = \"x\"\nformat = \"maildir\"\nfrobs = 1\n"), 0o644)
	code, _, errs = run("run", bad)
	if code != ExitUsage || !strings.Contains(errs, "bad.toml:3: unknown key \"frobs\"") {
		t.Fatalf("exit %d, stderr %q", code, errs)
	}
}

func TestGuideListsEveryClaim(t *testing.T) {
	code, out, _ := run("guide", "--seeds", "2")
	if code != ExitOK {
		t.Fatal(code)
	}
	for _, want := range []string{"| Use Dovecot director for clustering. | maildir-director | CLEAN | CLEAN 2/2 |",
		"| — | — | not simulated: no simulated process runs as root"} {
		if !strings.Contains(out, want) {
			t.Errorf("guide output lacks %q:\n%s", want, out)
		}
	}
	if n := strings.Count(out, "\n| "); n < 25 {
		t.Errorf("guide printed %d rows, want one per claim (25+)", n)
	}
}

func TestAssess(t *testing.T) {
	dir := t.TempDir()
	code, out, errs := run("assess", "../../examples/doveconf/director.conf", "--director", "--seeds", "2", "--out", dir)
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errs)
	}
	for _, want := range []string{"setup     maildir, mount defaults, routing director", "risks     mount: rdirplus", "replay it with: nfsmail run " + dir + "/your-setup.toml --seed"} {
		if !strings.Contains(out, want) {
			t.Errorf("assess output lacks %q:\n%s", want, out)
		}
	}
	if code, _, _ := run("run", dir+"/your-setup.toml", "--seed", "1"); code != ExitOK {
		t.Errorf("the written setup does not replay: exit %d", code)
	}
	if code, _, errs := run("assess", "x.conf", "--director", "--no-director"); code != ExitUsage || errs == "" {
		t.Errorf("contradicting flags: exit %d", code)
	}
}
