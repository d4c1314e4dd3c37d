package cli

import (
	"encoding/json"
	"fmt"
	"text/tabwriter"

	"github.com/nfsmail/nfsmail/harness/check"
	"github.com/nfsmail/nfsmail/scenarios"
	"github.com/spf13/cobra"
)

// newBenchHuntCmd measures, per unsafe catalog scenario, how long it takes
// to find a corruption and how short its shrunk schedule is.
func newBenchHuntCmd() *cobra.Command {
	var (
		searches, maxRuns int
		asJSON            bool
	)
	cmd := &cobra.Command{
		Use:   "hunt",
		Short: "Time to the first corruption of each unsafe scenario, and its shrunk schedule length (wall clock)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var hunts []scenarios.Hunt
			for _, sc := range scenarios.All() {
				if sc.Expected != check.Corrupted || sc.Disputed {
					continue
				}
				fmt.Fprintf(cmd.ErrOrStderr(), "hunting %s...\n", sc.Name)
				h, err := scenarios.HuntCorruption(sc, searches, maxRuns)
				if err != nil {
					return err
				}
				hunts = append(hunts, h)
			}
			if asJSON {
				enc := json.NewEncoder(cmd.OutOrStdout())
				enc.SetIndent("", "  ")
				return enc.Encode(hunts)
			}
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "SCENARIO\tFOUND\tMEDIAN WALL s\tMEDIAN RUNS\tMEDIAN OPS\tSHRUNK OPS\tSHRINK s")
			for _, h := range hunts {
				fmt.Fprintf(tw, "%s\t%d/%d\t%.2f\t%.0f\t%.0f\t%d\t%.2f\n", h.Scenario, h.Found, h.Searches,
					h.MedianWallSeconds, h.MedianRuns, h.MedianOps, h.ShrunkOps, h.ShrinkSeconds)
			}
			return tw.Flush()
		},
	}
	cmd.Flags().IntVar(&searches, "searches", 5, "independent searches per scenario")
	cmd.Flags().IntVar(&maxRuns, "max-runs", 200, "runs per search before giving up")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}
