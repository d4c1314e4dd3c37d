package cli

import (
	"encoding/json"
	"fmt"
	"runtime"
	"time"

	"github.com/nfsmail/nfsmail/scenarios"
	"github.com/spf13/cobra"
)

// newBenchSimCmd measures the simulator itself: NFS RPCs per wall-clock
// second through the client model and the in-memory server, and how much
// faster than real time the simulation runs.
func newBenchSimCmd() *cobra.Command {
	var (
		asJSON  bool
		seconds float64
		seed    uint64
	)
	cmd := &cobra.Command{
		Use:   "sim",
		Short: "Measure simulated NFS RPCs per second and virtual-to-wall time ratio (4-host mixed workload)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			sc := scenarios.BenchScenario()
			fmt.Fprintf(cmd.ErrOrStderr(), "running %s for %.0f s (wall clock; GOMAXPROCS=%d)...\n", sc.Name, seconds, runtime.GOMAXPROCS(0))
			res, err := scenarios.Bench(sc, seed, time.Duration(seconds*float64(time.Second)))
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			if asJSON {
				enc := json.NewEncoder(out)
				enc.SetIndent("", "  ")
				return enc.Encode(res)
			}
			fmt.Fprintf(out, "%s: %d runs in %.2f s wall, %.0f s virtual\n", res.Scenario, res.Runs, res.WallSeconds, res.VirtualSeconds)
			fmt.Fprintf(out, "rpcs/s %.0f   ops/s %.0f   rpcs/op %.1f   virtual/wall %.0f\n",
				res.RPCsPerSecond, res.OpsPerSecond, res.RPCsPerOp, res.VirtualToWallRatio)
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the measurement as JSON")
	cmd.Flags().Float64Var(&seconds, "seconds", 5, "measure for at least this many wall-clock seconds")
	cmd.Flags().Uint64Var(&seed, "seed", 1, "seed of the first run")
	return cmd
}
