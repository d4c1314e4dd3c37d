package reports_test

import (
	"bytes"
	"encoding/xml"
	"flag"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nfsmail/nfsmail/reports"
	"github.com/nfsmail/nfsmail/study"
)

var rewrite = flag.Bool("rewrite", false, "rewrite the golden files in testdata/")

func fixture(t *testing.T) reports.Report {
	t.Helper()
	recs, err := study.ReadFile(filepath.Join("testdata", "results.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	return reports.Build(recs)
}

func TestGolden(t *testing.T) {
	rep := fixture(t)
	for _, tc := range []struct {
		file  string
		write func(io.Writer) error
	}{
		{"report.md", rep.WriteMarkdown},
		{"report.json", rep.WriteJSON},
		{"report.junit.xml", rep.WriteJUnit},
	} {
		t.Run(tc.file, func(t *testing.T) {
			var got bytes.Buffer
			if err := tc.write(&got); err != nil {
				t.Fatal(err)
			}
			path := filepath.Join("testdata", tc.file)
			if *rewrite {
				if err := os.WriteFile(path, got.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run with -rewrite to create it)", err)
			}
			if !bytes.Equal(got.Bytes(), want) {
				t.Fatalf("%s differs from the golden file (go test ./reports -rewrite to accept):\n%s", tc.file, got.Bytes())
			}
		})
	}
}

func TestAggregates(t *testing.T) {
	rep := fixture(t)
	if rep.SchemaVersion != reports.SchemaVersion || rep.Runs != 10 || len(rep.Variants) != 4 {
		t.Fatalf("report: schema %d, %d runs, %d variants", rep.SchemaVersion, rep.Runs, len(rep.Variants))
	}
	never := rep.Variants[1]
	if never.Variant != "maildir-director[mail_fsync=never]" || never.Agrees || never.FirstBadSeed != 1 ||
		never.Replay != "nfsmail run maildir-director --set mail_fsync=never --seed 1" {
		t.Fatalf("mail_fsync=never: %+v", never)
	}
	if math.Abs(never.CorruptionRate-2.0/3) > 1e-12 || never.FirstCorruption == nil ||
		never.FirstCorruption.N != 2 || never.FirstCorruption.Median != (41.5+63.25)/2 {
		t.Fatalf("mail_fsync=never: rate %v, first corruption %+v", never.CorruptionRate, never.FirstCorruption)
	}
	if nolock := rep.Variants[2]; nolock.Agrees || reports.Disagreement(nolock) != "CLEAN 2/2, expected CORRUPTED: no seed reached it" {
		t.Fatalf("maildir-nolock: %+v: %s", nolock, reports.Disagreement(nolock))
	}
	// UNKNOWN runs never agree and are left out of the rate.
	if r := rep.Variants[3]; r.Agrees || r.FirstBadSeed != 1 || r.CorruptionRate != 0 || r.CorruptionCI.High < 0.79 {
		t.Fatalf("hosts=3: %+v", r)
	}
}

func TestWilson(t *testing.T) {
	for _, tc := range []struct {
		k, n     int
		low, hig float64
	}{
		{0, 10, 0, 0.2775},
		{10, 10, 0.7225, 1},
		{5, 10, 0.2366, 0.7634},
		{1, 20, 0.0089, 0.2361},
		{0, 0, 0, 1},
	} {
		lo, hi := reports.Wilson(tc.k, tc.n, 1.959963984540054)
		if math.Abs(lo-tc.low) > 5e-4 || math.Abs(hi-tc.hig) > 5e-4 {
			t.Errorf("Wilson(%d, %d) = [%.4f, %.4f], want [%.4f, %.4f]", tc.k, tc.n, lo, hi, tc.low, tc.hig)
		}
	}
}

func TestJUnitIsWellFormed(t *testing.T) {
	var b bytes.Buffer
	if err := fixture(t).WriteJUnit(&b); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Tests    int `xml:"tests,attr"`
		Failures int `xml:"failures,attr"`
		Suites   []struct {
			Cases []struct {
				Name    string `xml:"name,attr"`
				Failure *struct {
					Message string `xml:"message,attr"`
				} `xml:"failure"`
			} `xml:"testcase"`
		} `xml:"testsuite"`
	}
	if err := xml.Unmarshal(b.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Tests != 4 || doc.Failures != 3 || len(doc.Suites) != 3 {
		t.Fatalf("junit: %d tests, %d failures, %d suites", doc.Tests, doc.Failures, len(doc.Suites))
	}
	f := doc.Suites[0].Cases[1].Failure
	if f == nil || !strings.Contains(f.Message, "replay: nfsmail run maildir-director --set mail_fsync=never --seed 1") {
		t.Fatalf("failure of mail_fsync=never: %+v", f)
	}
}

func TestHTMLIsSelfContained(t *testing.T) {
	rep := fixture(t)
	var a, b bytes.Buffer
	if err := rep.WriteHTML(&a); err != nil {
		t.Fatal(err)
	}
	if err := rep.WriteHTML(&b); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a.Bytes(), b.Bytes()) {
		t.Fatalf("the same report rendered to different HTML")
	}
	html := a.String()
	if n := strings.Count(html, "<svg"); n != 5 {
		t.Errorf("%d inline SVG charts, want 5 (rate, first corruption, RPCs, latency, trade-off)", n)
	}
	if !strings.Contains(html, "Virtual latency per mail operation") {
		t.Error("no latency chart")
	}
	for _, v := range rep.Variants {
		if !strings.Contains(html, `data-variant="`+v.Variant+`"`) {
			t.Errorf("no table row for %s", v.Variant)
		}
	}
	for _, want := range []string{"<!DOCTYPE html>", "<style>", `id="disagree"`, "nfsmail run maildir-director --set mail_fsync=never --seed 1",
		"Corruption rate per variant", "NFS RPCs per mail operation", `schema_version&#34;: 1`} {
		if !strings.Contains(html, want) {
			t.Errorf("HTML lacks %q", want)
		}
	}
	for _, bad := range []string{"<?xml", "<script src", "<link", "http://", "https://"} {
		if strings.Contains(strings.ReplaceAll(html, `"http://www.w3.org/`, ""), bad) {
			t.Errorf("HTML contains %q: not self-contained", bad)
		}
	}
}

func TestEmptyReport(t *testing.T) {
	rep := reports.Build(nil)
	for _, w := range []func(io.Writer) error{rep.WriteMarkdown, rep.WriteJSON, rep.WriteJUnit, rep.WriteHTML} {
		if err := w(io.Discard); err != nil {
			t.Fatal(err)
		}
	}
}
