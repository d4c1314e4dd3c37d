package reports

import (
	"encoding/xml"
	"fmt"
	"io"
	"strings"
)

type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name       string          `xml:"name,attr"`
	Tests      int             `xml:"tests,attr"`
	Failures   int             `xml:"failures,attr"`
	Errors     int             `xml:"errors,attr"`
	Time       string          `xml:"time,attr"`
	Properties []junitProperty `xml:"properties>property"`
	Cases      []junitCase     `xml:"testcase"`
}

type junitProperty struct {
	Name  string `xml:"name,attr"`
	Value string `xml:"value,attr"`
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	Classname string        `xml:"classname,attr"`
	Time      string        `xml:"time,attr"`
	Failure   *junitFailure `xml:"failure,omitempty"`
	SystemOut *junitText    `xml:"system-out,omitempty"`
}

type junitText struct {
	Text string `xml:",cdata"`
}

type junitFailure struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr"`
	Text    string `xml:",cdata"`
}

// WriteJUnit writes the report as JUnit XML: one test suite per base
// scenario, one test case per variant, failing when the variant's runs do
// not bear out its expected verdict; the failure message carries the
// replay command of the first disagreeing seed. Times are 0: runs are in
// virtual time, which the system-out text gives.
func (r Report) WriteJUnit(w io.Writer) error {
	top := junitSuites{Name: "nfsmail"}
	for _, v := range r.Variants {
		if len(top.Suites) == 0 || top.Suites[len(top.Suites)-1].Name != v.Scenario {
			top.Suites = append(top.Suites, junitSuite{Name: v.Scenario, Time: "0",
				Properties: []junitProperty{{Name: "schema_version", Value: fmt.Sprint(r.SchemaVersion)}}})
		}
		s := &top.Suites[len(top.Suites)-1]
		c := junitCase{Name: v.Variant, Classname: "nfsmail." + v.Scenario, Time: "0", SystemOut: &junitText{summary(v)}}
		if !v.Agrees {
			msg := fmt.Sprintf("%s; replay: %s", Disagreement(v), v.Replay)
			c.Failure = &junitFailure{Message: msg, Type: "verdict", Text: msg}
			s.Failures++
			top.Failures++
		}
		s.Tests++
		top.Tests++
		s.Cases = append(s.Cases, c)
	}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(top); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}

// summary is a variant's figures as plain text.
func summary(v Variant) string {
	var b strings.Builder
	fmt.Fprintf(&b, "verdicts: %s (expected %s)\n", verdicts(v), v.Expected)
	fmt.Fprintf(&b, "corruption rate: %s\n", rate(v))
	fmt.Fprintf(&b, "first corruption, median: %s s virtual\n", firstCorruption(v))
	fmt.Fprintf(&b, "cost: %.1f RPCs/op, %.3f virtual s/op, %.1f ms latency/op\n", v.RPCsPerOp, v.VirtualSecondsPerOp, v.LatencyMsPerOp)
	fmt.Fprintf(&b, "findings: %s\n", findings(v.Findings))
	return b.String()
}
