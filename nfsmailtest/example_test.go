package nfsmailtest_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/nfsmail/nfsmail/harness/check"
	"github.com/nfsmail/nfsmail/nfsmailtest"
)

// In a test, pass the test's *testing.T. Here a printer stands in for it.
func ExampleExpectVerdict() {
	t := printer{}
	sc := nfsmailtest.Lookup(t, "maildir-director")
	results := nfsmailtest.ExpectVerdict(t, sc, check.Clean, nfsmailtest.Seeds(3)...)
	for _, r := range results {
		fmt.Println(r.Scenario, r.Seed, r.Verdict)
	}
	// Output:
	// maildir-director 1 CLEAN
	// maildir-director 2 CLEAN
	// maildir-director 3 CLEAN
}

// A custom scenario: the director setup with one backend instead of two.
// Run returns the results (verdict, findings, NFS costs) for your own
// assertions.
func ExampleRun() {
	t := printer{}
	sc, err := nfsmailtest.Lookup(t, "maildir-director").With("hosts", "1")
	if err != nil {
		t.Fatalf("%v", err)
	}
	for _, r := range nfsmailtest.Run(t, sc, 1, 2) {
		fmt.Printf("%s seed %d: %s, %d findings, RPCs per op > 0: %v\n", r.Scenario, r.Seed, r.Verdict, len(r.Findings), r.RPCsPerOp > 0)
	}
	// Output:
	// maildir-director[hosts=1] seed 1: CLEAN, 0 findings, RPCs per op > 0: true
	// maildir-director[hosts=1] seed 2: CLEAN, 0 findings, RPCs per op > 0: true
}

// Expect asserts the verdict the scenario itself expects, over many seeds.
func ExampleExpect() {
	t := printer{}
	nfsmailtest.Expect(t, nfsmailtest.Lookup(t, "maildir-random"), nfsmailtest.Seeds(4)...)
	fmt.Println("done")
	// Output: done
}

// printer is a TB that prints; a real test passes its *testing.T.
type printer struct{}

func (printer) Helper()                           {}
func (printer) Errorf(format string, args ...any) { fmt.Printf("FAIL: "+format+"\n", args...) }
func (printer) Fatalf(format string, args ...any) { fmt.Printf("FATAL: "+format+"\n", args...) }

var _ nfsmailtest.TB = (*testing.T)(nil)

func TestExpectReportsTheReplayCommand(t *testing.T) {
	var got []string
	rec := recorder{errorf: func(s string) { got = append(got, s) }}
	sc := nfsmailtest.Lookup(t, "maildir-director")
	nfsmailtest.ExpectVerdict(rec, sc, check.Corrupted, 4)
	if len(got) != 1 || !strings.Contains(got[0], "maildir-director seed 4: verdict CLEAN, want CORRUPTED; replay: nfsmail run maildir-director --seed 4") {
		t.Fatalf("failure messages: %q", got)
	}
	got = nil
	sc.Expected = check.Corrupted
	nfsmailtest.Expect(rec, sc, 1, 2)
	if len(got) != 1 || !strings.Contains(got[0], "no seed of 2 reached the expected verdict CORRUPTED") {
		t.Fatalf("failure messages: %q", got)
	}
	got = nil
	v, err := sc.With("mail_fsync", "never")
	if err != nil {
		t.Fatal(err)
	}
	nfsmailtest.ExpectVerdict(rec, v, check.Corrupted, 1)
	if len(got) != 1 || !strings.Contains(got[0], "replay: nfsmailtest.Run(t, sc, 1)") {
		t.Fatalf("failure messages for a variant: %q", got)
	}
	nfsmailtest.Expect(t, nfsmailtest.Lookup(t, "maildir-director"), nfsmailtest.Seeds(2)...)
}

func TestHarnessErrorsAreFatal(t *testing.T) {
	var fatal []string
	rec := recorder{fatalf: func(s string) { fatal = append(fatal, s) }}
	sc := nfsmailtest.Lookup(t, "maildir-director")
	sc.Hosts = 0
	if res := nfsmailtest.Run(rec, sc, 1); res != nil || len(fatal) != 1 || !strings.Contains(fatal[0], "harness error") {
		t.Fatalf("results %v, fatal %q", res, fatal)
	}
}

type recorder struct{ errorf, fatalf func(string) }

func (recorder) Helper() {}
func (r recorder) Errorf(format string, args ...any) {
	if r.errorf != nil {
		r.errorf(fmt.Sprintf(format, args...))
	}
}
func (r recorder) Fatalf(format string, args ...any) {
	if r.fatalf != nil {
		r.fatalf(fmt.Sprintf(format, args...))
	}
}
