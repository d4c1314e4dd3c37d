package realdovecot

import (
	"strings"
	"testing"
	"time"

	"github.com/nfsmail/nfsmail/harness/check"
	"github.com/nfsmail/nfsmail/scenarios"
)

func TestNormalise(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Mailbox INBOX: Deleting corrupted cache: record points outside file",
			"Deleting corrupted cache: record points outside file"},
		{"sdbox /tmp/x/user01/mailboxes/INBOX/dbox-Mails: Rebuilding index", "sdbox … Rebuilding index"},
		{"Append with UID 3, but next_uid = 4", "Append with UID N, but next_uid = N"},
	}
	for _, tc := range tests {
		if got := normalise(tc.in); got != tc.want {
			t.Errorf("normalise(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// Every explanation matches the line it was written for once the line is
// normalised as the fidelity table sees it (digits become N).
func TestReasonsMatchNormalisedLines(t *testing.T) {
	for _, line := range []string{
		"Error: Synchronization corrupted index header /s/u/dovecot.index: uidvalidity=0, but next_uid=7",
		"Error: Mailbox INBOX: Deleting corrupted cache: invalid record size",
		"Error: Index /s/u/dovecot.index: Lost log for seq=2 offset=40",
		"Warning: fscking index file /s/u/dovecot.index",
	} {
		if got := why(normalise(line)); got == "not traced yet" {
			t.Errorf("%q (normalised %q) has no explanation", line, normalise(line))
		}
	}
	for _, r := range reasons {
		if numberRe.MatchString(r.match) {
			t.Errorf("reason %q holds digits, which normalised lines never do", r.match)
		}
	}
}

func TestCompressKeepsTheSchedulesShape(t *testing.T) {
	sc, err := scenarios.Lookup("maildir-random")
	if err != nil {
		t.Fatal(err)
	}
	c := Compress(sc, sc.Workload.Duration/4)
	if c.Workload.Duration != sc.Workload.Duration/4 || c.Workload.Idle != sc.Workload.Idle/4 {
		t.Errorf("compressed %v/%v into %v/%v", sc.Workload.Duration, sc.Workload.Idle, c.Workload.Duration, c.Workload.Idle)
	}
}

func TestExplainAndMarkdown(t *testing.T) {
	f := &Fidelity{Scenario: "s", Format: "maildir", Runs: 2, Note: Note, WorkloadSeconds: 5,
		Sim: []check.Verdict{check.Clean, check.Clean}, Real: []check.Verdict{check.Clean, check.SelfHealed},
		RealSigns:          []Sign{{Text: "Error: Deleting corrupted cache: record points outside file", Runs: 1}},
		SimRPCsPerDelivery: 10, RealRPCsPerDelivery: 20,
		SimDeliveryRPCs: map[string]float64{"WRITE": 2}, RealDeliveryRPCs: map[string]float64{"WRITE": 9, "GETATTR": 3},
		RealOnlyFiles: []string{"dovecot.index.cache"}}
	f.Differ = f.explain()
	got := strings.Join(f.Differ, "; ")
	for _, want := range []string{"verdicts differ", "dovecot.index.cache: a host reads another host's appends", "WRITE +7.0, GETATTR +3.0", "files only real Dovecot writes: dovecot.index.cache"} {
		if !strings.Contains(got, want) {
			t.Errorf("explain = %q, missing %q", got, want)
		}
	}
	var b strings.Builder
	if err := WriteFidelityMarkdown(&b, []*Fidelity{f}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "| s | maildir | defaults | 2 | CLEAN 2/2 | 0.25 | CLEAN 1/2, SELF-HEALED 1/2 | 10.0 | 20.0 |") {
		t.Errorf("markdown:\n%s", b.String())
	}
}

// The simulated runs are paced so that a simulated delivery takes as long
// as a real one did; without both measurements the default LAN stays.
func TestPaceMatchesTheRealDelivery(t *testing.T) {
	for _, tc := range []struct {
		sim, real float64
		want      time.Duration
	}{
		{5, 100, 5 * time.Millisecond},
		{10, 5, 125 * time.Microsecond},
		{0, 100, 250 * time.Microsecond},
		{5, 0, 250 * time.Microsecond},
		{0.001, 1e9, scenarios.MaxRTT},
	} {
		f := &Fidelity{SimMsPerDelivery: tc.sim, RealMsPerDelivery: tc.real}
		if got := f.pace(); got != tc.want {
			t.Errorf("sim %v ms, real %v ms: pace %v, want %v", tc.sim, tc.real, got, tc.want)
		}
	}
	f := &Fidelity{Scenario: "s", Format: "sdbox", Runs: 1, SimRTTMs: 4.5}
	var b strings.Builder
	if err := WriteFidelityMarkdown(&b, []*Fidelity{f}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "| 4.50 |") || !strings.Contains(b.String(), PaceNote) {
		t.Errorf("markdown:\n%s", b.String())
	}
	b.Reset() // rows saved before pacing ran at the LAN's round trip and say nothing of pacing
	f.SimRTTMs = 0
	if err := WriteFidelityMarkdown(&b, []*Fidelity{f}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "| 0.25 |") || strings.Contains(b.String(), PaceNote) {
		t.Errorf("markdown of an unpaced row:\n%s", b.String())
	}
}

// A failed audit is not about the store: its sign says what failed.
func TestHarnessErrorSignSaysWhatFailed(t *testing.T) {
	r := &Result{Findings: []check.Finding{
		{Kind: check.HarnessError, Detail: "audit of user01 failed twice: imap select INBOX: NO [SERVERBUG] Internal error occurred"},
		{Kind: check.TempFail, User: "user01", Detail: "audit (the first reading) failed: x"},
	}}
	signs := realSignsOf(r)
	want := "finding harness-error: audit of userN failed twice"
	if len(signs) != 2 || !strings.HasPrefix(signs[0], want) || signs[1] != "finding temp-fail" {
		t.Errorf("signs %q, want %q… and the temp-fail", signs, want)
	}
	if w := why(signs[0]); !strings.Contains(w, "auditor") {
		t.Errorf("why(%q) = %q", signs[0], w)
	}
}
