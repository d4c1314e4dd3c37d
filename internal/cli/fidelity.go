package cli

import (
	"encoding/json"
	"fmt"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/nfsmail/nfsmail/realdovecot"
	"github.com/nfsmail/nfsmail/scenarios"
)

func newFidelityCmd() *cobra.Command {
	var f dovecotFlags
	var jsonOut, htmlOut string
	cmd := &cobra.Command{
		Use:   "fidelity [SCENARIO...]",
		Short: "Compare simulated verdicts and costs with real Dovecot's, scenario by scenario",
		Long: "For every scenario real Dovecot can run (the runnable catalog scenarios plus the variants\n" +
			"of realdovecot.FidelityScenarios), or those named, run it --runs times in the simulation and\n" +
			"on real Dovecot (seeds seed..), both with the workload compressed into --wall, and measure the\n" +
			"NFS RPCs per LMTP delivery (20 sequential deliveries to one user on one host) in both tiers.\n" +
			"Prints a Markdown table (--json: one JSON array) with a 'where and why they differ' column.\n" +
			"The real tier runs in wall-clock time and is not deterministic. Progress goes to stderr.",
		RunE: func(cmd *cobra.Command, args []string) error {
			list, err := fidelityScenarios(args, &f)
			if err != nil {
				return err
			}
			var rows []*realdovecot.Fidelity
			for _, sc := range list {
				row, err := realdovecot.CompareFidelity(cmd.Context(), sc, realdovecot.FidelityOptions{
					Runs: f.runs, Seed: f.seed, Wall: f.wall, Server: f.server, Progress: cmd.ErrOrStderr()})
				if err != nil {
					return err
				}
				rows = append(rows, row)
			}
			if jsonOut != "" {
				b, err := json.MarshalIndent(rows, "", "  ")
				if err != nil {
					return err
				}
				if err := os.WriteFile(jsonOut, append(b, '\n'), 0o644); err != nil {
					return err
				}
			}
			if htmlOut != "" {
				hf, err := os.Create(htmlOut)
				if err != nil {
					return err
				}
				if err := realdovecot.WriteFidelityHTML(hf, rows); err != nil {
					hf.Close()
					return err
				}
				if err := hf.Close(); err != nil {
					return err
				}
			}
			out := cmd.OutOrStdout()
			if f.asJSON {
				enc := json.NewEncoder(out)
				enc.SetIndent("", "  ")
				return enc.Encode(rows)
			}
			return realdovecot.WriteFidelityMarkdown(out, rows)
		},
	}
	f.register(cmd)
	cmd.Flags().StringVar(&jsonOut, "json-out", "", "also write the rows as JSON to `FILE`")
	cmd.Flags().StringVar(&htmlOut, "html-out", "", "also write the table as one self-contained HTML page to `FILE`")
	f.runs, f.wall = 3, 5*time.Second
	cmd.Flags().Lookup("runs").DefValue = "3"
	cmd.Flags().Lookup("wall").DefValue = "5s"
	return cmd
}

// fidelityScenarios resolves names (catalog scenarios or the variants'
// names), or every scenario of realdovecot.FidelityScenarios.
func fidelityScenarios(names []string, f *dovecotFlags) ([]scenarios.Scenario, error) {
	all := realdovecot.FidelityScenarios()
	if len(names) == 0 {
		for i := range all {
			all[i] = f.override(all[i])
		}
		return all, nil
	}
	var out []scenarios.Scenario
	for _, name := range names {
		sc, err := scenarios.Lookup(name)
		for _, v := range all {
			if v.Name == name {
				sc, err = v, nil
			}
		}
		if err != nil {
			return nil, err
		}
		sc = f.override(sc)
		if err := realdovecot.Runnable(sc); err != nil {
			return nil, fmt.Errorf("fidelity: %w", err)
		}
		out = append(out, sc)
	}
	return out, nil
}
