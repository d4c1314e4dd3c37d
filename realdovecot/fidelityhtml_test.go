package realdovecot

import (
	"bytes"
	"strings"
	"testing"

	"github.com/nfsmail/nfsmail/harness/check"
)

func TestFidelityHTML(t *testing.T) {
	rows := []*Fidelity{{Scenario: "sdbox-random", Format: "sdbox", Runs: 2, Note: "note", WorkloadSeconds: 5,
		Sim: []check.Verdict{check.Clean, check.Clean}, Real: []check.Verdict{check.Clean, check.Corrupted},
		SimRPCsPerDelivery: 16.2, RealRPCsPerDelivery: 37.4, Differ: []string{"real only: <cache> corruption"}}}
	var b bytes.Buffer
	if err := WriteFidelityHTML(&b, rows); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{"<td>sdbox-random</td>", "37.4", "&lt;cache&gt;", "defaults", "Workloads compressed into 5 s"} {
		if !strings.Contains(out, want) {
			t.Errorf("HTML lacks %q", want)
		}
	}
	if strings.Contains(out, "<cache>") {
		t.Error("reason text is not escaped")
	}
}
