package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/nfsmail/nfsmail/harness/check"
	"github.com/nfsmail/nfsmail/scenarios"
	"github.com/spf13/cobra"
)

func newGuideCmd() *cobra.Command {
	var (
		seeds  int
		asJSON bool
	)
	cmd := &cobra.Command{
		Use:   "guide",
		Short: "Print each claim of Dovecot's NFS guide next to its scenarios' measured verdicts and cost",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if seeds < 1 {
				return fmt.Errorf("--seeds must be at least 1")
			}
			rows, err := scenarios.Guide(seeds, func(done, total int) {
				fmt.Fprintf(cmd.ErrOrStderr(), "\rmeasuring scenarios: %d/%d", done, total)
				if done == total {
					fmt.Fprintln(cmd.ErrOrStderr())
				}
			})
			if err != nil {
				return err
			}
			if asJSON {
				enc := json.NewEncoder(cmd.OutOrStdout())
				enc.SetIndent("", "  ")
				return enc.Encode(rows)
			}
			printGuide(cmd.OutOrStdout(), rows, seeds)
			return nil
		},
	}
	cmd.Flags().IntVar(&seeds, "seeds", 10, "seeds per scenario")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the table as JSON")
	return cmd
}

// printGuide renders the claims as a Markdown table.
func printGuide(w io.Writer, rows []scenarios.GuideRow, seeds int) {
	fmt.Fprintf(w, "| claim of the guide | scenario | expected | measured (%d seeds) | RPCs/op | ms/op |\n", seeds)
	fmt.Fprintln(w, "| --- | --- | --- | --- | --- | --- |")
	for _, r := range rows {
		text := clip(r.Claim.Text, 90)
		if len(r.Scenarios) == 0 {
			what := "not simulated yet"
			if e := r.Claim.Elsewhere(); e != "" {
				what = "not simulated: " + e
			}
			fmt.Fprintf(w, "| %s | — | — | %s | — | — |\n", text, what)
			continue
		}
		for i, m := range r.Scenarios {
			if i > 0 {
				text = "〃"
			}
			fmt.Fprintf(w, "| %s | %s | %s | %s | %.1f | %.0f |\n", text, m.Scenario, m.Expected, verdicts(m), m.RPCsPerOp, m.LatencyMsPerOp)
		}
	}
}

func verdicts(m scenarios.Measured) string {
	var parts []string
	for _, v := range []check.Verdict{check.Clean, check.SelfHealed, check.Corrupted, check.Unknown} {
		if n := m.Verdicts[v]; n > 0 {
			parts = append(parts, fmt.Sprintf("%s %d/%d", v, n, m.Seeds))
		}
	}
	s := strings.Join(parts, ", ")
	switch {
	case !m.Agrees && m.Disputed:
		s += " — the model disagrees with the guide: " + m.Why
	case !m.Agrees:
		s += fmt.Sprintf(" (differs; replay: nfsmail run %s --seed %d)", m.Scenario, m.FirstBad)
	}
	return s
}
