package cli

import (
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"time"

	"github.com/spf13/cobra"

	"github.com/nfsmail/nfsmail/realdovecot"
	"github.com/nfsmail/nfsmail/scenarios"
)

func newFidelityCmd() *cobra.Command {
	var f dovecotFlags
	var jsonOut, htmlOut string
	var simRTT time.Duration
	var fromJSON []string
	cmd := &cobra.Command{
		Use:   "fidelity [SCENARIO...]",
		Short: "Compare simulated verdicts and costs with real Dovecot's, scenario by scenario",
		Long: "For every scenario real Dovecot can run (the runnable catalog scenarios plus the variants\n" +
			"of realdovecot.FidelityScenarios), or those named, run it --runs times in the simulation and\n" +
			"on real Dovecot (seeds seed..), both with the workload compressed into --wall, and measure the\n" +
			"NFS RPCs per LMTP delivery (20 sequential deliveries to one user on one host) in both tiers.\n" +
			"The simulated runs are paced to the real tier: each RPC costs the round trip that makes a\n" +
			"simulated delivery take as long as a real one did (--sim-rtt sets it instead).\n" +
			"Prints a Markdown table (--json: one JSON array) with a 'where and why they differ' column.\n" +
			"The real tier runs in wall-clock time and is not deterministic. Progress goes to stderr.\n" +
			"--from-json renders rows saved with --json-out instead of running anything: a row of a later\n" +
			"file replaces the row of the same scenario in an earlier one, and the 'where and why' column\n" +
			"is explained anew.",
		RunE: func(cmd *cobra.Command, args []string) error {
			var rows []*realdovecot.Fidelity
			var list []scenarios.Scenario
			if len(fromJSON) > 0 {
				if len(args) > 0 {
					return fmt.Errorf("fidelity: --from-json renders saved rows; it takes no scenario names")
				}
				var err error
				if rows, err = loadFidelity(fromJSON); err != nil {
					return err
				}
			} else {
				var err error
				if list, err = fidelityScenarios(args, &f); err != nil {
					return err
				}
			}
			for _, sc := range list {
				row, err := realdovecot.CompareFidelity(cmd.Context(), sc, realdovecot.FidelityOptions{
					Runs: f.runs, Seed: f.seed, Wall: f.wall, Server: f.server, SimRTT: simRTT, Progress: cmd.ErrOrStderr()})
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
	cmd.Flags().DurationVar(&simRTT, "sim-rtt", 0, "what one RPC costs in the simulated runs, e.g. 250us (default: the real tier's pace, measured per row)")
	cmd.Flags().StringArrayVar(&fromJSON, "from-json", nil, "render the rows saved in `FILE` (by --json-out) instead of running; repeatable, later rows replace earlier ones of the same scenario")
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

// loadFidelity reads rows saved by --json-out from each file in turn; a
// row replaces an earlier one of the same scenario. Explanations are
// computed anew.
func loadFidelity(files []string) ([]*realdovecot.Fidelity, error) {
	var rows []*realdovecot.Fidelity
	for _, name := range files {
		data, err := os.ReadFile(name)
		if err != nil {
			return nil, err
		}
		var got []*realdovecot.Fidelity
		if err := json.Unmarshal(data, &got); err != nil {
			return nil, fmt.Errorf("fidelity: %s: %w", name, err)
		}
		for _, f := range got {
			if f == nil || f.Scenario == "" {
				return nil, fmt.Errorf("fidelity: %s: a row without a scenario", name)
			}
			f.Explain()
			if i := slices.IndexFunc(rows, func(r *realdovecot.Fidelity) bool { return r.Scenario == f.Scenario }); i >= 0 {
				rows[i] = f
			} else {
				rows = append(rows, f)
			}
		}
	}
	return rows, nil
}
