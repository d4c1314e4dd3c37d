package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/nfsmail/nfsmail/assess"
	"github.com/nfsmail/nfsmail/scenarios"
	"github.com/spf13/cobra"
)

func newAssessCmd() *cobra.Command {
	var (
		mount    string
		director bool
		seeds    int
		out      string
		asJSON   bool
	)
	cmd := &cobra.Command{
		Use:   "assess DOVECONF",
		Short: "Read `doveconf -n` output and a mount-options line, name the risky settings and measure the risk",
		Long: "assess reads the output of `doveconf -n` and the NFS mount options, names each setting the\n" +
			"guide warns about, runs the scenario closest to the setup and the catalog scenarios behind each\n" +
			"warning, and prints measured verdicts with replay commands. Settings the model does not know\n" +
			"are listed, not ignored.",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			data, err := os.ReadFile(args[0])
			if err != nil {
				return err
			}
			cfg, err := assess.ParseDoveconf(args[0], data)
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "measuring your setup and the related scenarios over %d seeds...\n", seeds)
			rep, err := assess.Run(cfg, assess.Options{Mount: mount, Director: director, Seeds: seeds})
			if err != nil {
				return err
			}
			replay, err := writeSetup(out, rep)
			if err != nil {
				return err
			}
			if asJSON {
				enc := json.NewEncoder(cmd.OutOrStdout())
				enc.SetIndent("", "  ")
				return enc.Encode(struct {
					*assess.Report
					Replay string `json:"replay"`
				}{rep, replay})
			}
			printAssessment(cmd.OutOrStdout(), rep, replay)
			return nil
		},
	}
	cmd.Flags().StringVar(&mount, "mount", "", "the NFS mount options, e.g. \"rw,nolock,actimeo=3\"")
	cmd.Flags().BoolVar(&director, "director", false, "users are pinned to one backend (director)")
	noDirector := cmd.Flags().Bool("no-director", false, "no director: any backend may serve any user (the default)")
	cmd.PreRunE = func(cmd *cobra.Command, _ []string) error {
		if director && *noDirector {
			return fmt.Errorf("--director and --no-director contradict each other")
		}
		return nil
	}
	cmd.Flags().IntVar(&seeds, "seeds", 10, "seeds per measured scenario")
	cmd.Flags().StringVar(&out, "out", ".", "directory to write your-setup.toml to, for replays")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the assessment as JSON")
	return cmd
}

// writeSetup saves the setup as a scenario file and returns the command
// that replays its worst seed.
func writeSetup(dir string, rep *assess.Report) (string, error) {
	data, err := scenarios.Marshal(rep.Scenario)
	if err != nil {
		return "", err
	}
	path := filepath.Join(dir, "your-setup.toml")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		return "", err
	}
	return fmt.Sprintf("nfsmail run %s --seed %d", path, rep.Yours.WorstSeed), nil
}

func printAssessment(w io.Writer, rep *assess.Report, replay string) {
	fmt.Fprintf(w, "setup     %s, mount %s, routing %s\n", rep.Format, rep.Mount, rep.Routing)
	if len(rep.Risks) == 0 {
		fmt.Fprintln(w, "risks     none of the guide's warnings applies")
	}
	for i, r := range rep.Risks {
		label := "risks"
		if i > 0 {
			label = ""
		}
		at := ""
		if r.Line > 0 {
			at = fmt.Sprintf(" (line %d)", r.Line)
		}
		fmt.Fprintf(w, "%-9s %s%s: %s\n", label, r.Setting, at, clip(r.Text, 100))
	}
	for _, u := range rep.Unknown {
		fmt.Fprintf(w, "unknown   %s\n", u)
	}
	yours := rep.Yours
	yours.Agrees = true // "your setup" has no expectation to differ from
	fmt.Fprintf(w, "measured  your setup: %s, %.1f RPCs/op\n", verdicts(yours), yours.RPCsPerOp)
	for _, m := range rep.Related {
		fmt.Fprintf(w, "          %s: %s (expected %s)\n", m.Scenario, verdicts(m), m.Expected)
	}
	fmt.Fprintf(w, "worst     %s; replay it with: %s\n", rep.Verdict, replay)
}
