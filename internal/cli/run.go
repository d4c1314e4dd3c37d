package cli

import (
	"os"

	"cmp"
	"encoding/json"
	"fmt"
	"github.com/nfsmail/nfsmail/mailgen"
	"io"
	"slices"
	"strings"

	"github.com/nfsmail/nfsmail/scenarios"
	"github.com/spf13/cobra"
)

func newRunCmd() *cobra.Command {
	var (
		seed   uint64
		asJSON bool
		keep   string
		trace  int
		sets   []string
		opsArg string
	)
	cmd := &cobra.Command{
		Use:   "run SCENARIO|FILE.toml",
		Short: "Run one scenario and print its verdict, findings and NFS costs",
		Long: "Run one scenario from the catalog (see 'nfsmail scenarios') or a scenario file\n" +
			"(see examples/*.toml) with a seed.\n" +
			"Exit status: 0 when the verdict equals the scenario's expected verdict,\n" +
			"1 when it does not, 2 on usage or harness errors.",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			sc, source, err := resolve(args[0])
			if err != nil {
				return err
			}
			if source == "" {
				source = sc.Name
			}
			for _, kv := range sets {
				k, v, ok := strings.Cut(kv, "=")
				if !ok {
					return fmt.Errorf("--set %q: want key=value", kv)
				}
				if sc, err = sc.With(k, v); err != nil {
					return fmt.Errorf("--set %s: %w", kv, err)
				}
				source += " --set " + kv
			}
			opts := scenarios.Options{Seed: seed, Keep: keep, Source: source, TraceLimit: max(trace, 200)}
			if opsArg != "" {
				data, err := os.ReadFile(opsArg)
				if err != nil {
					return err
				}
				if opts.Ops, err = mailgen.Parse(opsArg, data); err != nil {
					return err
				}
				opts.OpsFile = opsArg
			}
			res, err := scenarios.Run(sc, opts)
			if err != nil {
				return fmt.Errorf("run %s --seed %d: %w", sc.Name, seed, err)
			}
			out := cmd.OutOrStdout()
			if asJSON {
				enc := json.NewEncoder(out)
				enc.SetIndent("", "  ")
				if err := enc.Encode(res); err != nil {
					return err
				}
			} else {
				printResult(out, sc, res, trace)
			}
			if res.Verdict != res.Expected {
				return mismatch("verdict %s, expected %s", res.Verdict, res.Expected)
			}
			return nil
		},
	}
	cmd.Flags().Uint64Var(&seed, "seed", 1, "root seed: the same seed replays the same run")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the result as one JSON object")
	cmd.Flags().StringVar(&keep, "keep", "", "write the final server-side store to `DIR`")
	cmd.Flags().IntVar(&trace, "trace", 0, "print the last `N` trace events")
	cmd.Flags().StringVar(&opsArg, "ops", "", "replay the operations of an ops `FILE` (from nfsmail shrink) instead of the seed's workload")
	cmd.Flags().StringArrayVar(&sets, "set", nil, "change one knob: `key=value` (a Dovecot setting, mount, rtt, routing or hosts); repeatable")
	return cmd
}

// resolve finds a scenario by catalog name or, for a path ending in
// .toml, loads it from a file.
func resolve(arg string) (scenarios.Scenario, string, error) {
	if strings.HasSuffix(arg, ".toml") {
		sc, err := scenarios.Load(arg)
		return sc, arg, err
	}
	sc, err := scenarios.Lookup(arg)
	return sc, "", err
}

func printResult(w io.Writer, sc scenarios.Scenario, res *scenarios.Result, trace int) {
	mount := sc.Mount
	if mount == "" {
		mount = "defaults"
	}
	if sc.RTT > 0 {
		mount += fmt.Sprintf(", rtt %v", sc.RTT)
	}
	fmt.Fprintf(w, "scenario  %s  (%s, %d hosts, routing %s, mount %s)\n", sc.Name, sc.Format, sc.Hosts, sc.Routing, mount)
	fmt.Fprintf(w, "claim     %s\n", sc.Claim)
	fmt.Fprintf(w, "verdict   %s (expected %s)\n", res.Verdict, res.Expected)
	if len(res.Findings) == 0 {
		fmt.Fprintln(w, "findings  none")
	}
	for i, f := range res.Findings {
		label := "findings"
		if i > 0 {
			label = ""
		}
		fmt.Fprintf(w, "%-9s %-13s %s: %s  (steps %s)\n", label, f.Kind, f.User, f.Detail, steps(f.Steps))
	}
	fmt.Fprintf(w, "ops       %d done, %d failed; %d scheduling steps; %.1f s virtual\n",
		res.Ops, res.OpsFailed, res.Steps, res.VirtualSeconds)
	if res.Ops > 0 {
		fmt.Fprintf(w, "latency   %.1f ms per op (virtual, think time excluded)\n", 1000*res.BusySeconds/float64(res.Ops))
	}
	fmt.Fprintf(w, "rpcs      %d total, %.1f per op:", res.RPCs, res.RPCsPerOp)
	procs := make([]string, 0, len(res.RPCCounts))
	for p := range res.RPCCounts {
		procs = append(procs, p)
	}
	slices.SortFunc(procs, func(a, b string) int { return cmp.Or(res.RPCCounts[b]-res.RPCCounts[a], strings.Compare(a, b)) })
	for _, p := range procs {
		fmt.Fprintf(w, " %s %d", p, res.RPCCounts[p])
	}
	fmt.Fprintln(w)
	fmt.Fprintf(w, "logged    %d engine log lines\n", len(res.Log))
	if trace > 0 {
		ev := res.Trace
		if len(ev) > trace {
			ev = ev[len(ev)-trace:]
		}
		for _, e := range ev {
			fmt.Fprintf(w, "  %s\n", e)
		}
	}
	fmt.Fprintf(w, "trace     sha256 %s\n", res.TraceSHA256)
	fmt.Fprintf(w, "replay    %s\n", res.Replay)
}

func steps(s []int) string {
	if len(s) > 6 {
		s = append(slices.Clone(s[:3]), s[len(s)-3:]...)
	}
	parts := make([]string, len(s))
	for i, n := range s {
		parts[i] = fmt.Sprint(n)
	}
	return strings.Join(parts, ",")
}
