package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/nfsmail/nfsmail/assess"
	"github.com/nfsmail/nfsmail/reproduce"
	"github.com/spf13/cobra"
)

type reproduceFlags struct {
	doveconf string
	mount    string
	budget   time.Duration
	out      string
	asJSON   bool
	tries    []string
	seed     uint64
	workers  int
}

func newReproduceCmd() *cobra.Command {
	var f reproduceFlags
	cmd := &cobra.Command{
		Use:   "reproduce LOG",
		Short: "Turn a reported Dovecot error log into a minimal, explained, replayable simulated corruption",
		Long: "reproduce reads Dovecot log lines (syslog, log_path files, journalctl -o export or json),\n" +
			"groups the errors and warnings into signatures, searches scenarios, settings, faults and\n" +
			"seeds for a simulated run that logs the same signatures, shrinks its workload, labels which\n" +
			"settings and faults were necessary, and writes everything to --out with a Go regression test.\n" +
			"Lines it does not know are listed as unknown. --try KEY=VALUE (or --try DOVECONF) re-runs the\n" +
			"search with a proposed change. Exit status: 0 reproduced, 1 not within the budget, 2 errors.",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error { return runReproduce(cmd, args[0], f) },
	}
	fl := cmd.Flags()
	fl.StringVar(&f.doveconf, "doveconf", "", "the reporter's `doveconf -n` output (FILE): its settings are taken as facts")
	fl.StringVar(&f.mount, "mount", "", "the reporter's NFS mount `OPTIONS` (taken as facts)")
	fl.DurationVar(&f.budget, "budget", 60*time.Second, "wall-clock budget for search, shrink and explanation")
	fl.StringVar(&f.out, "out", "nfsmail-repro", "write the reproduction to `DIR`")
	fl.BoolVar(&f.asJSON, "json", false, "print the report as one JSON object")
	fl.StringArrayVar(&f.tries, "try", nil, "a proposed change, `KEY=VALUE` (repeatable) or a doveconf -n FILE; re-runs the search under it")
	fl.Uint64Var(&f.seed, "seed", 1, "seed of the random search phase")
	fl.IntVar(&f.workers, "workers", 0, "parallel runs (0 = all cores)")
	return cmd
}

func runReproduce(cmd *cobra.Command, path string, f reproduceFlags) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	lg, err := reproduce.ParseLog(path, data)
	if err != nil {
		return err
	}
	req := reproduce.Request{Log: lg, Budget: f.budget, Seed: f.seed, Workers: f.workers, Mount: f.mount}
	if f.doveconf != "" {
		conf, err := os.ReadFile(f.doveconf)
		if err != nil {
			return err
		}
		cfg, err := assess.ParseDoveconf(f.doveconf, conf)
		if err != nil {
			return err
		}
		sc, _, _, err := assess.Build(cfg, assess.Options{Mount: f.mount})
		if err != nil {
			return err
		}
		req.Setup, req.MountGiven, req.Mount = &sc, f.mount != "", ""
	}
	if req.Try, err = parseTries(f.tries); err != nil {
		return err
	}
	fmt.Fprintf(cmd.ErrOrStderr(), "reproducing %s within %v on %s...\n", path, f.budget, workersText(f.workers))
	rep, err := reproduce.Reproduce(cmd.Context(), req)
	if err != nil {
		return err
	}
	replay := ""
	if rep.Scenario != nil {
		if replay, err = reproduce.Write(f.out, rep, data); err != nil {
			return err
		}
	}
	if f.asJSON {
		err = printReproduceJSON(cmd.OutOrStdout(), rep, replay, f.out)
	} else {
		printReproduce(cmd.OutOrStdout(), rep, replay, f.out)
	}
	if err == nil && !rep.Reproduced {
		return mismatch("not reproduced within %v", f.budget)
	}
	return err
}

func workersText(n int) string {
	if n <= 0 {
		return "all cores"
	}
	return fmt.Sprintf("%d workers", n)
}

func parseTries(tries []string) ([]reproduce.Knob, error) {
	var out []reproduce.Knob
	for _, t := range tries {
		if st, err := os.Stat(t); err == nil && !st.IsDir() {
			data, err := os.ReadFile(t)
			if err != nil {
				return nil, err
			}
			ks, err := reproduce.SettingKnobs(t, data)
			if err != nil {
				return nil, fmt.Errorf("--try %s: %w", t, err)
			}
			out = append(out, ks...)
			continue
		}
		k, err := reproduce.ParseKnob(t)
		if err != nil {
			return nil, fmt.Errorf("--try: %w", err)
		}
		out = append(out, k)
	}
	return out, nil
}

func printReproduceJSON(w io.Writer, rep *reproduce.Report, replay, out string) error {
	scenario := ""
	if rep.Scenario != nil {
		scenario = rep.Scenario.Name
	} else {
		out = ""
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(struct {
		*reproduce.Report
		Scenario string `json:"scenario"`
		Replay   string `json:"replay"`
		Out      string `json:"out"`
		Test     string `json:"test,omitempty"`
	}{rep, scenario, replay, out, testCommand(rep, out)})
}

func testCommand(rep *reproduce.Report, out string) string {
	if rep.Scenario == nil {
		return ""
	}
	if filepath.IsAbs(out) {
		return "go test " + filepath.Clean(out) + " (from a module that requires github.com/nfsmail/nfsmail)"
	}
	return "go test ./" + filepath.ToSlash(filepath.Clean(out)) + "/"
}

func printReproduce(w io.Writer, rep *reproduce.Report, replay, out string) {
	fmt.Fprintf(w, "reported   %s log: %d error/warning lines, %d other lines ignored, %d unparsed\n",
		rep.LogFormat, len(rep.Unknown)+sumCounts(rep), rep.Ignored, len(rep.Unparsed))
	for _, s := range rep.Signatures {
		state := "not required"
		switch {
		case !s.Modelled:
			state = "not modelled"
		case s.Matched:
			state = "reproduced"
		case s.Required:
			state = "NOT reproduced"
		}
		fmt.Fprintf(w, "signature  %-30s x%-3d %-14s %s\n", s.Name, s.Count, state, s.Summary)
	}
	for _, l := range rep.Unknown {
		fmt.Fprintf(w, "unknown    line %d: %s\n", l.N, l.Text)
	}
	for _, u := range rep.Unparsed {
		fmt.Fprintf(w, "unparsed   line %d: %s\n", u.N, u.Text)
	}
	if rep.Scenario == nil {
		fmt.Fprintf(w, "search     no run logged %s (%d runs, %.1f s)\n", strings.Join(rep.Want, ", "), rep.SearchRuns, rep.SearchSeconds)
		return
	}
	state := "reproduced"
	if !rep.Reproduced {
		state = "partly reproduced (" + strings.Join(rep.Covered, ", ") + ")"
	}
	fmt.Fprintf(w, "search     %s by %s [%s] after %d runs, %.1f s\n", state, rep.Candidate, rep.Candidate.Phase, rep.SearchRuns, rep.SearchSeconds)
	if rep.Reproduced {
		fmt.Fprintf(w, "shrunk     %d -> %d operations in %d runs%s; verdict %s\n", rep.Original, rep.OpsCount, rep.ShrinkRuns,
			map[bool]string{true: " (1-minimal)", false: " (budget ran out)"}[rep.Minimal], rep.Result.Verdict)
	}
	for _, f := range rep.Factors {
		fmt.Fprintf(w, "factor     %-36s %-11s without it %d/%d seeds, with it %d/%d\n", f.Name, f.Label, max(f.WithoutRate, 0), f.Seeds, f.WithRate, f.Seeds)
	}
	if t := rep.Try; t != nil {
		if t.Reachable {
			fmt.Fprintf(w, "try        %s: still reachable (%s; %d runs, %.1f s)\n", strings.Join(t.Change, " "), t.Replay, t.Runs, t.Seconds)
		} else {
			fmt.Fprintf(w, "try        %s: not reached within the budget (%d runs, %.1f s; covered %s)\n", strings.Join(t.Change, " "), t.Runs, t.Seconds, strings.Join(t.Covered, ", "))
		}
	}
	fmt.Fprintf(w, "wrote      %s (scenario, schedule, simulated and reported logs, explanation.md/.html, repro_test.go)\n", out)
	fmt.Fprintf(w, "test       %s\n", testCommand(rep, out))
	fmt.Fprintf(w, "replay     %s\n", replay)
}

func sumCounts(rep *reproduce.Report) int {
	n := 0
	for _, s := range rep.Signatures {
		n += s.Count
	}
	return n
}
