package reproduce

import (
	"bytes"
	"fmt"
	"html/template"
	"strings"
	texttemplate "text/template"
)

// Markdown explains a reproduction: what was reported, what the model
// says produces it, the run that reproduced it and which of its
// ingredients were necessary.
func Markdown(rep *Report, replay string) []byte {
	var b bytes.Buffer
	p := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	verdict := "not reproduced"
	if rep.Reproduced {
		verdict = "reproduced"
	}
	p("# nfsmail reproduce: %s\n\n", verdict)
	p("Reported log: %s format, %d error/warning lines, %d other lines ignored, %d unparsed.\n\n",
		rep.LogFormat, countLines(rep), rep.Ignored, len(rep.Unparsed))
	p("## Signatures\n\n| signature | lines | required | reproduced | what it means |\n|---|---|---|---|---|\n")
	for _, s := range rep.Signatures {
		req := map[bool]string{true: "yes", false: "no"}[s.Required]
		if !s.Modelled {
			req = "no (not modelled)"
		}
		p("| `%s` | %d | %s | %s | %s |\n", s.Name, s.Count, req, map[bool]string{true: "yes", false: "no"}[s.Matched], s.Summary)
	}
	if len(rep.Unknown) > 0 {
		p("\nUnknown lines (no signature; reported, not used):\n\n")
		for _, l := range rep.Unknown {
			p("- line %d: `%s`\n", l.N, l.Text)
		}
	}
	p("\n## Mechanisms\n\n")
	for _, s := range rep.Signatures {
		p("- `%s`: %s\n", s.Name, strings.Join(s.Mechanisms, "; "))
	}
	if rep.Scenario == nil {
		p("\nNo simulated run logged any of the required signatures within the budget (%d runs, %.1f s).\n", rep.SearchRuns, rep.SearchSeconds)
		return b.Bytes()
	}
	sc := rep.Scenario
	p("\n## The run\n\n%s, %d hosts, routing %s, mount `%s`, from `%s` (%s phase) after %d runs in %.1f s.\n\n",
		sc.Format, sc.Hosts, sc.Routing, orDefault(sc.Mount), rep.Candidate.String(), rep.Candidate.Phase, rep.SearchRuns, rep.SearchSeconds)
	p("Verdict of the shrunk run: **%s**; workload shrunk from %d to %d operations in %d runs%s.\n\n",
		rep.Result.Verdict, rep.Original, len(rep.Ops), rep.ShrinkRuns, map[bool]string{true: " (1-minimal)", false: " (budget ran out before it was minimal)"}[rep.Minimal])
	for _, f := range rep.Result.Findings {
		p("- finding `%s` %s: %s\n", f.Kind, f.User, f.Detail)
	}
	p("\nReplay: `%s`\n\n", replay)
	if len(rep.Factors) > 0 {
		p("## What it takes\n\nThe shrunk schedule was replayed over %d seeds with everything (%d reproduced), then with each factor removed in turn:\n\n", ExplainSeeds, rep.ExplainRate)
		p("| factor | removed as | reproduced without it | label |\n|---|---|---|---|\n")
		for _, f := range rep.Factors {
			p("| %s | %s | %s | **%s** |\n", f.Name, f.Without, rate(f.WithoutRate, f.Seeds), f.Label)
		}
	}
	if t := rep.Try; t != nil {
		p("\n## Proposed change: %s\n\n", strings.Join(t.Change, ", "))
		if t.Reachable {
			p("Still reachable: %s logs every required signature (%d runs, %.1f s).\n", t.Replay, t.Runs, t.Seconds)
		} else {
			p("Not reached within the budget (%d runs, %.1f s; covered: %s). This is evidence, not proof, that the change helps.\n",
				t.Runs, t.Seconds, orNone(t.Covered))
		}
	}
	return b.Bytes()
}

func countLines(rep *Report) int {
	n := len(rep.Unknown)
	for _, s := range rep.Signatures {
		n += s.Count
	}
	return n
}

func rate(n, of int) string {
	if n < 0 {
		return "not measured"
	}
	return fmt.Sprintf("%d/%d", n, of)
}

func orDefault(s string) string {
	if s == "" {
		return "defaults"
	}
	return s
}

func orNone(s []string) string {
	if len(s) == 0 {
		return "none"
	}
	return strings.Join(s, ", ")
}

var htmlPage = template.Must(template.New("page").Parse(`<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>nfsmail reproduce</title>
<style>body{font-family:sans-serif;max-width:60em;margin:2em auto}pre{background:#f4f4f4;padding:.5em;overflow-x:auto}</style>
</head><body>
<pre>{{.MD}}</pre>
<h2>Reported and simulated logs</h2>
<table><tr><th>reported</th><th>simulated (shrunk run)</th></tr>
<tr><td style="vertical-align:top"><pre>{{.Reported}}</pre></td><td style="vertical-align:top"><pre>{{.Simulated}}</pre></td></tr></table>
</body></html>
`))

// HTML is the explanation as one self-contained page, with the reported
// and simulated error lines side by side.
func HTML(rep *Report, replay string) []byte {
	var reported, simulated []string
	for _, s := range rep.Signatures {
		reported = append(reported, fmt.Sprintf("[%s] %s", s.Name, s.Example))
	}
	for _, l := range rep.Unknown {
		reported = append(reported, "[unknown] "+l.Raw)
	}
	if rep.Result != nil {
		for _, l := range rep.Result.Log {
			name := "unknown"
			svc, user := procName(l.Proc)
			if s := Classify(Normalize(l.Text, user)); s != nil {
				name = s.Name
			}
			simulated = append(simulated, fmt.Sprintf("[%s] %s %s(%s): %s: %s", name, l.Host, svc, user, l.Level, l.Text))
		}
	}
	var b bytes.Buffer
	_ = htmlPage.Execute(&b, map[string]string{"MD": string(Markdown(rep, replay)),
		"Reported": strings.Join(reported, "\n"), "Simulated": strings.Join(simulated, "\n")})
	return b.Bytes()
}

var goTest = texttemplate.Must(texttemplate.New("test").Parse(`// Code generated by nfsmail reproduce; edit as you like.

package {{.Pkg}}

import (
	"os"
	"testing"

	"github.com/nfsmail/nfsmail/mailgen"
	"github.com/nfsmail/nfsmail/reproduce"
	"github.com/nfsmail/nfsmail/scenarios"
)

// TestReproducedCorruptionIsGone replays the reproduction in this
// directory ({{.Scenario}}, seed {{.Seed}}) and fails while the simulated
// run still logs the reported signatures: it is a regression test that
// passes once a change to the model or to scenario.toml's settings stops
// the corruption.
func TestReproducedCorruptionIsGone(t *testing.T) {
	sc, err := scenarios.Load("scenario.toml")
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile("schedule.ops")
	if err != nil {
		t.Fatal(err)
	}
	ops, err := mailgen.Parse("schedule.ops", data)
	if err != nil {
		t.Fatal(err)
	}
	res, err := scenarios.Run(sc, scenarios.Options{Seed: {{.Seed}}, Ops: ops, TraceLimit: 1})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{ {{- range $i, $w := .Want}}{{if $i}}, {{end}}{{printf "%q" $w}}{{end -}} }
	if got := reproduce.Covered(res.Log, want); len(got) == len(want) {
		t.Errorf("the corruption still reproduces: verdict %s, signatures %v logged; replay: nfsmail run scenario.toml --seed {{.Seed}} --ops schedule.ops", res.Verdict, got)
	}
}
`))

// GoTest is a Go test file for the output directory (package pkg) that
// replays the reproduction and fails while it still reproduces.
func GoTest(rep *Report, pkg string) []byte {
	var b bytes.Buffer
	_ = goTest.Execute(&b, map[string]any{"Pkg": goIdent(pkg), "Seed": rep.Seed, "Want": rep.Covered, "Scenario": rep.Scenario.Name})
	return b.Bytes()
}

// goIdent turns a directory name into a package name.
func goIdent(s string) string {
	var b strings.Builder
	for _, c := range strings.ToLower(s) {
		switch {
		case c >= 'a' && c <= 'z', c == '_', c >= '0' && c <= '9' && b.Len() > 0:
			b.WriteRune(c)
		case c == '-' || c == '.':
			b.WriteRune('_')
		}
	}
	if b.Len() == 0 {
		return "repro"
	}
	return b.String()
}
