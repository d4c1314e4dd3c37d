package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/nfsmail/nfsmail/harness/check"
	"github.com/nfsmail/nfsmail/realdovecot"
	"github.com/nfsmail/nfsmail/scenarios"
)

func newDovecotCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "dovecot",
		Short: "Run scenarios on the real Dovecot, on FUSE views of the simulated NFS",
	}
	cmd.AddCommand(newDovecotRunCmd())
	return cmd
}

// dovecotFlags are the settings shared by 'dovecot run' and 'fidelity'.
type dovecotFlags struct {
	runs   int
	seed   uint64
	wall   time.Duration
	format string
	mount  string
	server string
	keep   string
	asJSON bool
}

func (f *dovecotFlags) register(cmd *cobra.Command) {
	cmd.Flags().IntVar(&f.runs, "runs", 1, "run each scenario `N` times (seeds seed, seed+1, ...)")
	cmd.Flags().Uint64Var(&f.seed, "seed", 1, "workload seed of the first run (fixes the workload, not the interleaving)")
	cmd.Flags().DurationVar(&f.wall, "wall", 30*time.Second, "wall-clock `SPAN` the workload is scaled into")
	cmd.Flags().StringVar(&f.format, "format", "", "override the mailbox `FORMAT` (maildir, sdbox, mdbox)")
	cmd.Flags().StringVar(&f.mount, "mount", "", "override the NFS mount `OPTIONS` of every backend")
	cmd.Flags().StringVar(&f.server, "server", "", "use an 'nfsmail serve' at `HOST:PORT` instead of an in-process server")
	cmd.Flags().StringVar(&f.keep, "keep", "", "keep mount points, configs, logs and an IMAP transcript per session under `DIR` (one subdirectory per run)")
	cmd.Flags().BoolVar(&f.asJSON, "json", false, "print the results as JSON, one object per run")
}

// scenario applies the overrides to a catalog scenario.
func (f *dovecotFlags) scenario(name string) (scenarios.Scenario, error) {
	sc, err := scenarios.Lookup(name)
	if err != nil {
		return sc, err
	}
	sc = f.override(sc)
	return sc, realdovecot.Runnable(sc)
}

// override applies --format and --mount.
func (f *dovecotFlags) override(sc scenarios.Scenario) scenarios.Scenario {
	if f.format != "" {
		sc.Format = f.format
	}
	if f.mount != "" {
		sc.Mount = f.mount
	}
	return sc
}

func (f *dovecotFlags) options(i int, progress io.Writer) realdovecot.Options {
	o := realdovecot.Options{Seed: f.seed + uint64(i), Wall: f.wall, Server: f.server, Progress: progress}
	if f.keep != "" {
		o.WorkDir = fmt.Sprintf("%s/run%d", f.keep, i+1)
	}
	return o
}

func newDovecotRunCmd() *cobra.Command {
	var f dovecotFlags
	cmd := &cobra.Command{
		Use:   "run SCENARIO",
		Short: "Run a catalog scenario on real Dovecot instances and print the verdicts",
		Long: "Start one real Dovecot 2.3 per backend, each on its own FUSE view of one simulated NFS\n" +
			"server, drive the scenario's workload over LMTP and IMAP with its routing, audit every\n" +
			"mailbox over IMAP from a fresh cache-less host and classify Dovecot's log lines.\n" +
			"Wall-clock time: not deterministic. Needs root, /dev/fuse, dovecot-core, dovecot-imapd,\n" +
			"dovecot-lmtpd and a 'vmail' user. Exit status 1 if any run's verdict differs from the\n" +
			"scenario's expected verdict.",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			sc, err := f.scenario(args[0])
			if err != nil {
				return err
			}
			results, err := runReal(cmd, sc, &f)
			if err != nil {
				return err
			}
			return verdictExit(sc, results)
		},
	}
	f.register(cmd)
	return cmd
}

// runReal runs sc f.runs times, printing each result as it comes.
func runReal(cmd *cobra.Command, sc scenarios.Scenario, f *dovecotFlags) ([]*realdovecot.Result, error) {
	out, errw := cmd.OutOrStdout(), cmd.ErrOrStderr()
	fmt.Fprintln(errw, "note:", realdovecot.Note)
	var results []*realdovecot.Result
	for i := range f.runs {
		if f.keep != "" {
			if err := os.MkdirAll(f.keep, 0o755); err != nil {
				return nil, err
			}
		}
		res, err := realdovecot.Run(cmd.Context(), sc, f.options(i, errw))
		if err != nil {
			return results, fmt.Errorf("dovecot run %s (run %d): %w", sc.Name, i+1, err)
		}
		results = append(results, res)
		if f.asJSON {
			enc := json.NewEncoder(out)
			enc.SetIndent("", "  ")
			if err := enc.Encode(res); err != nil {
				return results, err
			}
			continue
		}
		printReal(out, i+1, res)
	}
	if !f.asJSON && len(results) > 1 {
		fmt.Fprintf(out, "verdicts  %s\n", distribution(verdictsOf(results)))
	}
	return results, nil
}

func printReal(w io.Writer, n int, res *realdovecot.Result) {
	fmt.Fprintf(w, "run %d  %s (%s, mount %q%s, seed %d): %s (expected %s)\n", n, res.Scenario, res.Format,
		res.Mount, res.MountNote, res.Seed, res.Verdict, res.Expected)
	fmt.Fprintf(w, "  lmtp   %d delivered, %d temp-failed, %d failed\n", res.Deliveries, res.DeliverTemp, res.DeliverFailed)
	fmt.Fprintf(w, "  imap   %d sessions, %d failed\n", res.Sessions, res.SessionsFailed)
	fmt.Fprintf(w, "  rpcs   %d (%.1f per op); %.1f s wall\n", res.RPCs, res.RPCsPerOp, res.WallSeconds)
	fmt.Fprintf(w, "  made   %d files/dirs/links as the mail user, %d as root (root_squash matters only to those)\n", res.UserCreates, res.RootCreates)
	fmt.Fprintf(w, "  log    %d corruption, %d lock, %d other lines\n", res.LogClasses[realdovecot.ClassCorruption],
		res.LogClasses[realdovecot.ClassLock], res.LogClasses[realdovecot.ClassOther])
	for i, fd := range res.Findings {
		if i == 8 {
			fmt.Fprintf(w, "  ... %d more findings (--json for all)\n", len(res.Findings)-i)
			break
		}
		fmt.Fprintf(w, "  %-13s %s: %s\n", fd.Kind, fd.User, fd.Detail)
	}
	if res.WorkDir != "" {
		fmt.Fprintf(w, "  kept   %s\n", res.WorkDir)
	}
}

func verdictsOf(results []*realdovecot.Result) []check.Verdict {
	var v []check.Verdict
	for _, r := range results {
		v = append(v, r.Verdict)
	}
	return v
}

// distribution renders verdict counts in severity order.
func distribution(vs []check.Verdict) string { return realdovecot.Distribution(vs) }

func verdictExit(sc scenarios.Scenario, results []*realdovecot.Result) error {
	for _, r := range results {
		if r.Verdict != sc.Expected {
			return mismatch("verdict %s, expected %s", r.Verdict, sc.Expected)
		}
	}
	return nil
}
