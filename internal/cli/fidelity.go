package cli

import (
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"

	"github.com/nfsmail/nfsmail/harness/check"
	"github.com/nfsmail/nfsmail/mailgen"
	"github.com/nfsmail/nfsmail/realdovecot"
	"github.com/nfsmail/nfsmail/scenarios"
)

func newFidelityCmd() *cobra.Command {
	var f dovecotFlags
	cmd := &cobra.Command{
		Use:   "fidelity [SCENARIO...]",
		Short: "Compare simulated verdicts and costs with real Dovecot's, scenario by scenario",
		Long: "For every catalog scenario real Dovecot can run (or those named), run it --runs times in the\n" +
			"simulation (seeds seed..) and on real Dovecot, and print both verdict distributions and the\n" +
			"NFS RPCs per LMTP delivery (from 20 sequential deliveries to one user on one host) side by\n" +
			"side. The real tier runs in wall-clock time and is not deterministic.",
		RunE: func(cmd *cobra.Command, args []string) error {
			names := args
			if len(names) == 0 {
				for _, sc := range scenarios.All() {
					if realdovecot.Runnable(sc) == nil {
						names = append(names, sc.Name)
					}
				}
			}
			out := cmd.OutOrStdout()
			fmt.Fprintf(out, "%-22s %-7s %-34s %-34s %s\n", "scenario", "format", "simulated", "real dovecot", "rpcs/delivery sim | real")
			for _, name := range names {
				if err := fidelityOne(cmd, out, name, &f); err != nil {
					return err
				}
			}
			return nil
		},
	}
	f.register(cmd)
	f.wall = 20 * time.Second
	cmd.Flags().Lookup("wall").DefValue = "20s"
	return cmd
}

func fidelityOne(cmd *cobra.Command, out io.Writer, name string, f *dovecotFlags) error {
	sc, err := f.scenario(name)
	if err != nil {
		return err
	}
	var simV, realV []check.Verdict
	simOK := sc.Validate() == nil // the simulation may not model the format yet
	for i := range f.runs {
		if simOK {
			res, err := scenarios.Run(sc, scenarios.Options{Seed: f.seed + uint64(i)})
			if err != nil {
				return fmt.Errorf("fidelity %s: simulation: %w", name, err)
			}
			simV = append(simV, res.Verdict)
		}
		rr, err := realdovecot.Run(cmd.Context(), sc, f.options(i, nil))
		if err != nil {
			return fmt.Errorf("fidelity %s: real: %w", name, err)
		}
		realV = append(realV, rr.Verdict)
	}
	simCost, realCost, err := deliveryCost(cmd, sc, f, simOK)
	if err != nil {
		return err
	}
	simD := distribution(simV)
	if !simOK {
		simD = "n/a (format not simulated)"
	}
	fmt.Fprintf(out, "%-22s %-7s %-34s %-34s %.1f | %.1f\n", sc.Name, sc.Format, simD, distribution(realV), simCost, realCost)
	return nil
}

// deliveryCost measures RPCs per LMTP delivery in both tiers: 20
// deliveries to one user on one host, one after another.
func deliveryCost(cmd *cobra.Command, sc scenarios.Scenario, f *dovecotFlags, simOK bool) (float64, float64, error) {
	const n = 20
	sc.Name += "-deliveries"
	sc.Hosts, sc.Routing, sc.Skew = 1, "director", nil
	sc.Workload = mailgen.Spec{Users: 1, Deliveries: n, Duration: time.Minute}
	simCost := 0.0
	if simOK {
		sim, err := scenarios.Run(sc, scenarios.Options{Seed: f.seed})
		if err != nil {
			return 0, 0, fmt.Errorf("fidelity %s: simulation: %w", sc.Name, err)
		}
		simCost = float64(sim.RPCs) / n
	}
	real, err := realdovecot.Run(cmd.Context(), sc, realdovecot.Options{Seed: f.seed, Wall: 4 * time.Second, Server: f.server})
	if err != nil {
		return 0, 0, fmt.Errorf("fidelity %s: real: %w", sc.Name, err)
	}
	return simCost, float64(real.RPCs) / float64(max(real.Deliveries, 1)), nil
}
