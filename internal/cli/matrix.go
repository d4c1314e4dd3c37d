package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/nfsmail/nfsmail/reports"
	"github.com/nfsmail/nfsmail/scenarios"
	"github.com/nfsmail/nfsmail/study"
	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"
	"golang.org/x/term"
)

// matrixFlags are the options of 'nfsmail matrix'.
type matrixFlags struct {
	scenarios []string
	sets      []string
	seeds     int
	out       string
	shard     string
	workers   int
	quiet     bool
}

func newMatrixCmd() *cobra.Command {
	var f matrixFlags
	cmd := &cobra.Command{
		Use:   "matrix [--scenario NAME|GLOB|FILE.toml ...] [--set key=v1,v2 ...] [--seeds N] [--out FILE.jsonl] [--shard K/N]",
		Short: "Sweep scenarios × settings × seeds and append one result line per run",
		Long: "Run every scenario named (catalog names, globs such as 'maildir-*', or scenario files;\n" +
			"default: the whole catalog) under every combination of the --set values, with seeds 1..N.\n" +
			"Each finished run appends one JSON line to --out, so an interrupted sweep resumes where it\n" +
			"stopped when run again. --shard K/N runs a deterministic share of the runs, for CI matrices\n" +
			"and Kubernetes Indexed Jobs; 'nfsmail report merge' joins the shards' files.\n\n" +
			"Knobs: mount (values separated by '|', since mount options contain commas), routing, hosts,\n" +
			"or a Dovecot setting by its dovecot.conf name (" + strings.Join(knobKeys()[3:], ", ") + ").\n\n" +
			"A summary table of the whole results file goes to stdout, progress to stderr.\n" +
			"Exit status: 0 when every run finished, 2 on usage or harness errors or an interruption.",
		Example: "  nfsmail matrix --scenario 'maildir-*' --set mail_fsync=always,never --seeds 20 --out fsync.jsonl\n" +
			"  nfsmail matrix --set 'mount=defaults|actimeo=0|noac' --shard 2/4 --out part2.jsonl\n" +
			"  nfsmail report --format html --out fsync.html fsync.jsonl",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runMatrix(cmd, f) },
	}
	fl := cmd.Flags()
	fl.StringArrayVar(&f.scenarios, "scenario", nil, "scenario `NAME`, glob or FILE.toml (repeatable; default: the whole catalog)")
	fl.StringArrayVar(&f.sets, "set", nil, "sweep a knob over values, `key=v1,v2` (repeatable: the product of all)")
	fl.IntVar(&f.seeds, "seeds", 10, "seeds 1..`N` per variant")
	fl.StringVar(&f.out, "out", "results.jsonl", "results `FILE` to append to and resume from ('-': stdout, no resume)")
	fl.StringVar(&f.shard, "shard", "", "run only share `K/N` of the runs (1 <= K <= N)")
	fl.IntVar(&f.workers, "workers", 0, "runs at once (0: one per CPU)")
	fl.BoolVarP(&f.quiet, "quiet", "q", false, "no progress on stderr")
	_ = cmd.MarkFlagFilename("out", "jsonl")
	_ = cmd.RegisterFlagCompletionFunc("scenario", completeScenario)
	_ = cmd.RegisterFlagCompletionFunc("set", completeKnob)
	_ = cmd.RegisterFlagCompletionFunc("shard", cobra.NoFileCompletions)
	_ = cmd.RegisterFlagCompletionFunc("seeds", cobra.NoFileCompletions)
	_ = cmd.RegisterFlagCompletionFunc("workers", cobra.NoFileCompletions)
	return cmd
}

func runMatrix(cmd *cobra.Command, f matrixFlags) error {
	spec := study.Spec{Scenarios: f.scenarios, Seeds: f.seeds}
	for _, s := range f.sets {
		k, err := study.ParseKnob(s)
		if err != nil {
			return err
		}
		spec.Knobs = append(spec.Knobs, k)
	}
	var shard study.Shard
	if f.shard != "" {
		var err error
		if shard, err = study.ParseShard(f.shard); err != nil {
			return err
		}
	}
	jobs, err := spec.Jobs()
	if err != nil {
		return err
	}
	all := len(jobs)
	jobs = shard.Of(jobs)
	stderr := cmd.ErrOrStderr()
	if !f.quiet {
		fmt.Fprintf(stderr, "matrix: %s × %s = %s", plural(all/f.seeds, "variant"), plural(f.seeds, "seed"), plural(all, "run"))
		if shard.N > 1 {
			fmt.Fprintf(stderr, "; shard %s has %d", shard, len(jobs))
		}
		fmt.Fprintln(stderr)
	}
	opts := study.Options{Workers: f.workers}
	if f.out == "-" {
		return matrixToStdout(cmd, jobs, opts, f.quiet)
	}
	bar := newBar(stderr, f.quiet)
	opts.Progress = bar.progress
	start := time.Now()
	st, err := study.Sweep(cmd.Context(), f.out, jobs, opts)
	bar.finish()
	if !f.quiet {
		fmt.Fprintf(stderr, "matrix: %d runs written to %s in %s (%d were already there)\n",
			st.Ran, f.out, time.Since(start).Round(time.Millisecond), st.Skipped)
	}
	if errors.Is(err, context.Canceled) {
		return fmt.Errorf("interrupted after %d runs; the same command resumes from %s", st.Ran, f.out)
	}
	if err != nil {
		return err
	}
	recs, err := study.Merge(f.out)
	if err != nil {
		return err
	}
	return reports.Build(recs).WriteMarkdown(cmd.OutOrStdout())
}

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// matrixToStdout streams result lines to stdout as runs finish.
func matrixToStdout(cmd *cobra.Command, jobs []study.Job, opts study.Options, quiet bool) error {
	bar := newBar(cmd.ErrOrStderr(), quiet)
	opts.Progress = bar.progress
	out := cmd.OutOrStdout()
	var werr error
	err := study.Run(cmd.Context(), jobs, opts, func(r study.Record) {
		if werr == nil {
			_, werr = out.Write(r.Marshal())
		}
	})
	bar.finish()
	return errors.Join(err, werr)
}

// bar draws a progress bar on stderr when it is a terminal.
type bar struct {
	w  io.Writer
	on bool
	pb *progressbar.ProgressBar
}

func newBar(stderr io.Writer, quiet bool) *bar {
	file, ok := stderr.(*os.File)
	return &bar{w: stderr, on: !quiet && ok && term.IsTerminal(int(file.Fd()))}
}

// progress is a study.Options.Progress; the bar starts with the first
// finished run, when the total is known.
func (b *bar) progress(done, total int) {
	if !b.on {
		return
	}
	if b.pb == nil {
		b.pb = progressbar.NewOptions(total,
			progressbar.OptionSetWriter(b.w),
			progressbar.OptionSetDescription("runs"),
			progressbar.OptionShowCount(),
			progressbar.OptionSetPredictTime(true),
			progressbar.OptionSetWidth(30),
			progressbar.OptionThrottle(100*time.Millisecond),
			progressbar.OptionClearOnFinish(),
		)
	}
	_ = b.pb.Set(done)
}

func (b *bar) finish() {
	if b.pb != nil {
		_ = b.pb.Finish()
	}
}

// knobValues are the knobs 'nfsmail matrix --set' completes, with values
// to suggest; a test checks that Scenario.With accepts each.
var knobValues = map[string][]string{
	"mount":                 {"defaults", "noac", "actimeo=0", "nolock", "lookupcache=none", "nocto"},
	"routing":               {"director", "source-ip", "random"},
	"hosts":                 {"1", "2", "3", "4"},
	"rtt":                   {"250us", "2ms", "20ms"},
	"mmap_disable":          {"yes", "no"},
	"mail_nfs_storage":      {"yes", "no"},
	"mail_nfs_index":        {"yes", "no"},
	"dotlock_use_excl":      {"yes", "no"},
	"mail_fsync":            {"optimized", "always", "never"},
	"lock_method":           {"fcntl", "flock", "dotlock"},
	"mail_max_lock_timeout": {"0s", "30s", "5m"},
}

// knobKeys lists mount, rtt, routing, hosts, then the Dovecot settings sorted.
func knobKeys() []string {
	keys := []string{"mount", "rtt", "routing", "hosts"}
	var settings []string
	for k := range knobValues {
		if !slices.Contains(keys, k) {
			settings = append(settings, k)
		}
	}
	slices.Sort(settings)
	return append(keys, settings...)
}

func completeKnob(_ *cobra.Command, _ []string, toComplete string) ([]string, cobra.ShellCompDirective) {
	key, _, hasValue := strings.Cut(toComplete, "=")
	if !hasValue {
		var out []string
		for _, k := range knobKeys() {
			out = append(out, k+"=")
		}
		return out, cobra.ShellCompDirectiveNoSpace | cobra.ShellCompDirectiveNoFileComp
	}
	var out []string
	for _, v := range knobValues[key] {
		out = append(out, key+"="+v)
	}
	return out, cobra.ShellCompDirectiveNoFileComp
}

func completeScenario(_ *cobra.Command, _ []string, _ string) ([]string, cobra.ShellCompDirective) {
	var out []string
	for _, sc := range scenarios.All() {
		out = append(out, sc.Name)
	}
	return out, cobra.ShellCompDirectiveDefault
}
