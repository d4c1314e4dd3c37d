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
		searches, maxRuns, rapidChecks int
		asJSON                         bool
	)
	cmd := &cobra.Command{
		Use:   "hunt",
		Short: "Time to the first corruption of each unsafe scenario, and its shrunk schedule length (wall clock)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			type row struct {
				scenarios.Hunt
				// Rapid: rapid's search and shrink (--rapid N); ops and
				// events of its shrunk schedule.
				RapidRuns    int     `json:"rapid_runs,omitempty"`
				RapidSeconds float64 `json:"rapid_seconds,omitempty"`
				RapidOps     int     `json:"rapid_shrunk_ops,omitempty"`
				RapidEvents  int     `json:"rapid_shrunk_events,omitempty"`
				RapidFound   bool    `json:"rapid_found,omitempty"`
			}
			var hunts []row
			for _, sc := range scenarios.All() {
				if sc.Expected != check.Corrupted || sc.Disputed {
					continue
				}
				fmt.Fprintf(cmd.ErrOrStderr(), "hunting %s...\n", sc.Name)
				h, err := scenarios.HuntCorruption(sc, searches, maxRuns)
				if err != nil {
					return err
				}
				r := row{Hunt: h}
				if rapidChecks > 0 {
					rh, err := scenarios.ShrinkWithRapid(sc, rapidChecks)
					if err != nil {
						return err
					}
					r.RapidRuns, r.RapidSeconds, r.RapidFound = rh.Runs, rh.Seconds, rh.Schedule != nil
					if rh.Schedule != nil {
						r.RapidOps, r.RapidEvents = len(rh.Schedule.Ops), len(rh.Schedule.Events)
					}
				}
				hunts = append(hunts, r)
			}
			if asJSON {
				enc := json.NewEncoder(cmd.OutOrStdout())
				enc.SetIndent("", "  ")
				return enc.Encode(hunts)
			}
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprint(tw, "SCENARIO\tFOUND\tMEDIAN WALL s\tMEDIAN RUNS\tMEDIAN OPS\tSHRUNK OPS\tSHRINK s")
			if rapidChecks > 0 {
				fmt.Fprint(tw, "\tRAPID SHRUNK\tRAPID RUNS\tRAPID s")
			}
			fmt.Fprintln(tw)
			for _, h := range hunts {
				fmt.Fprintf(tw, "%s\t%d/%d\t%.2f\t%.0f\t%.0f\t%d\t%.2f", h.Scenario, h.Found, h.Searches,
					h.MedianWallSeconds, h.MedianRuns, h.MedianOps, h.ShrunkOps, h.ShrinkSeconds)
				switch {
				case rapidChecks == 0:
				case h.RapidFound:
					fmt.Fprintf(tw, "\t%d ops + %d events\t%d\t%.1f", h.RapidOps, h.RapidEvents, h.RapidRuns, h.RapidSeconds)
				default:
					fmt.Fprintf(tw, "\tnot found\t%d\t%.1f", h.RapidRuns, h.RapidSeconds)
				}
				fmt.Fprintln(tw)
			}
			return tw.Flush()
		},
	}
	cmd.Flags().IntVar(&searches, "searches", 5, "independent searches per scenario")
	cmd.Flags().IntVar(&maxRuns, "max-runs", 200, "runs per search before giving up")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	cmd.Flags().IntVar(&rapidChecks, "rapid", 0, "also search with rapid for up to N drawn schedules (workload, events and seed together) and report how short it shrinks the corruption (minutes)")
	return cmd
}
