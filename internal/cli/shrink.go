package cli

import (
	"fmt"
	"os"

	"github.com/nfsmail/nfsmail/harness/check"
	"github.com/nfsmail/nfsmail/mailgen"
	"github.com/nfsmail/nfsmail/scenarios"
	"github.com/spf13/cobra"
)

func newShrinkCmd() *cobra.Command {
	var (
		seed    uint64
		until   string
		out     string
		maxRuns int
	)
	cmd := &cobra.Command{
		Use:   "shrink SCENARIO|FILE.toml",
		Short: "Cut a seed's workload down to the operations that still reach a verdict, and write them as an ops file",
		Long: "shrink replays a scenario with its seed while removing operations and session commands\n" +
			"(delta debugging) until no single operation can go without losing the verdict. The\n" +
			"scheduling choices still come from the seed; the result is an ops file that\n" +
			"`nfsmail run SCENARIO --seed N --ops FILE` replays.",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			want, ok := check.ParseVerdict(until)
			if !ok || want == check.Unknown || want == check.Clean {
				return fmt.Errorf("--until %q: want SELF-HEALED or CORRUPTED", until)
			}
			sc, source, err := resolve(args[0])
			if err != nil {
				return err
			}
			if source == "" {
				source = sc.Name
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "shrinking %s --seed %d to the operations that keep it %s...\n", source, seed, want)
			s, err := scenarios.Shrink(sc, seed, want, maxRuns)
			if err != nil {
				return err
			}
			if out == "" {
				out = sc.Name + ".ops"
			}
			header := fmt.Sprintf("# %s --seed %d: %s with %d of %d operations (nfsmail shrink %s --seed %d --until %s)\n",
				source, seed, s.Result.Verdict, len(s.Ops), len(mailgen.Generate(seed, sc.Workload)), source, seed, want)
			if err := os.WriteFile(out, append([]byte(header), mailgen.Format(s.Ops)...), 0o644); err != nil {
				return err
			}
			w := cmd.OutOrStdout()
			fmt.Fprintf(w, "%s: %d operations in %d runs, verdict %s\n", out, len(s.Ops), s.Runs, s.Result.Verdict)
			for _, f := range s.Result.Findings {
				fmt.Fprintf(w, "  %-12s %s: %s\n", f.Kind, f.User, f.Detail)
			}
			fmt.Fprintf(w, "replay    nfsmail run %s --seed %d --ops %s\n", source, seed, out)
			return nil
		},
	}
	cmd.Flags().Uint64Var(&seed, "seed", 1, "the seed whose run to shrink")
	cmd.Flags().StringVar(&until, "until", "CORRUPTED", "the verdict the shrunk run must keep (SELF-HEALED or CORRUPTED)")
	cmd.Flags().StringVar(&out, "out", "", "the ops file to write (default SCENARIO.ops)")
	cmd.Flags().IntVar(&maxRuns, "max-runs", 500, "give up shrinking after this many runs")
	return cmd
}
