package reports

import (
	"bufio"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/nfsmail/nfsmail/harness/check"
)

// verdictOrder lists verdicts by severity, UNKNOWN last.
var verdictOrder = []check.Verdict{check.Clean, check.SelfHealed, check.Corrupted, check.Unknown}

// WriteMarkdown writes the report as a Markdown table, one row per
// variant, followed by the replay command of each disagreeing variant.
func (r Report) WriteMarkdown(w io.Writer) error {
	bw := bufio.NewWriter(w)
	dis := r.Disagreeing()
	fmt.Fprintf(bw, "# nfsmail study\n\n%d runs, %d variants, %d disagree with their expected verdict (report schema %d).\n\n",
		r.Runs, len(r.Variants), len(dis), r.SchemaVersion)
	fmt.Fprintln(bw, "| variant | expected | runs | CLEAN | SELF-HEALED | CORRUPTED | UNKNOWN | corruption rate (95% CI) | agrees | first corruption, median s | RPCs/op | virtual s/op | latency ms/op | findings |")
	fmt.Fprintln(bw, "| --- | --- | ---: | ---: | ---: | ---: | ---: | --- | --- | ---: | ---: | ---: | ---: | --- |")
	for _, v := range r.Variants {
		fmt.Fprintf(bw, "| %s | %s | %d |", cell(v.Variant), v.Expected, v.Runs)
		for _, verdict := range verdictOrder {
			fmt.Fprintf(bw, " %d |", v.Verdicts[verdict])
		}
		fmt.Fprintf(bw, " %s | %s | %s | %.1f | %.3f | %.1f | %s |\n", rate(v), yesNo(v.Agrees),
			firstCorruption(v), v.RPCsPerOp, v.VirtualSecondsPerOp, v.LatencyMsPerOp, cell(findings(v.Findings)))
	}
	if len(dis) > 0 {
		fmt.Fprintln(bw, "\n## Disagreeing variants")
		fmt.Fprintln(bw)
		for _, v := range dis {
			fmt.Fprintf(bw, "- %s: %s; replay: `%s`\n", cell(v.Variant), Disagreement(v), v.Replay)
		}
	}
	return bw.Flush()
}

// Disagreement says in words why a variant's runs do not bear out its
// expected verdict.
func Disagreement(v Variant) string {
	if worse(v) {
		return fmt.Sprintf("%s, expected %s; first bad seed %d", verdicts(v), v.Expected, v.FirstBadSeed)
	}
	return fmt.Sprintf("%s, expected %s: no seed reached it", verdicts(v), v.Expected)
}

func worse(v Variant) bool {
	for verdict, n := range v.Verdicts {
		if n > 0 && bad(v.Expected, verdict) {
			return true
		}
	}
	return false
}

// verdicts lists the verdict counts: "CLEAN 2/3, CORRUPTED 1/3".
func verdicts(v Variant) string {
	var parts []string
	for _, verdict := range verdictOrder {
		if n := v.Verdicts[verdict]; n > 0 {
			parts = append(parts, fmt.Sprintf("%s %d/%d", verdict, n, v.Runs))
		}
	}
	return strings.Join(parts, ", ")
}

func rate(v Variant) string {
	return fmt.Sprintf("%.1f%% (%.1f–%.1f%%)", 100*v.CorruptionRate, 100*v.CorruptionCI.Low, 100*v.CorruptionCI.High)
}

func firstCorruption(v Variant) string {
	if v.FirstCorruption == nil {
		return "—"
	}
	return fmt.Sprintf("%.1f", v.FirstCorruption.Median)
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "**no**"
}

// findings lists finding counts by kind, corrupting kinds first.
func findings(m map[check.Kind]int) string {
	kinds := make([]check.Kind, 0, len(m))
	for k, n := range m {
		if n > 0 {
			kinds = append(kinds, k)
		}
	}
	slices.SortFunc(kinds, func(a, b check.Kind) int {
		if a.Corrupts() != b.Corrupts() {
			if a.Corrupts() {
				return -1
			}
			return 1
		}
		return strings.Compare(string(a), string(b))
	})
	parts := make([]string, len(kinds))
	for i, k := range kinds {
		parts[i] = fmt.Sprintf("%s %d", k, m[k])
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, ", ")
}

// cell escapes a table cell.
func cell(s string) string { return strings.ReplaceAll(s, "|", `\|`) }
