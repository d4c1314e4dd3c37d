package cli

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/nfsmail/nfsmail/reports"
	"github.com/nfsmail/nfsmail/study"
	"github.com/spf13/cobra"
)

var reportFormats = []string{"md", "json", "junit", "html"}

func newReportCmd() *cobra.Command {
	var (
		format string
		out    string
		check  bool
	)
	cmd := &cobra.Command{
		Use:   "report [--format md|json|junit|html] [--out FILE] RESULTS.jsonl...",
		Short: "Aggregate results files of 'nfsmail matrix' into a Markdown, JSON, JUnit or HTML report",
		Long: "Merge results files (duplicates must agree) and report per variant: runs, verdicts,\n" +
			"corruption rate with its Wilson 95% interval, whether the runs bear out the expected verdict\n" +
			"(with the replay command of the first seed that does not), time to first corruption, and\n" +
			"NFS RPCs and virtual seconds per mail operation.\n" +
			"--format html writes one self-contained file with charts. The report goes to stdout or --out.\n" +
			"Exit status: 0; with --check, 1 when a variant disagrees with its expected verdict.",
		Example: "  nfsmail report results.jsonl\n" +
			"  nfsmail report --format junit --out junit.xml part*.jsonl\n" +
			"  nfsmail report --format html --out study.html results.jsonl",
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			write, err := reportWriter(format)
			if err != nil {
				return err
			}
			recs, err := study.Merge(args...)
			if err != nil {
				return err
			}
			rep := reports.Build(recs)
			if err := writeOut(cmd.OutOrStdout(), out, write(rep)); err != nil {
				return err
			}
			if dis := rep.Disagreeing(); check && len(dis) > 0 {
				return mismatch("%d of %d variants disagree with their expected verdict", len(dis), len(rep.Variants))
			}
			return nil
		},
	}
	cmd.Flags().StringVarP(&format, "format", "f", "md", "report `FORMAT`: md, json, junit or html")
	cmd.Flags().StringVarP(&out, "out", "o", "", "write the report to `FILE` instead of stdout")
	cmd.Flags().BoolVar(&check, "check", false, "exit 1 when a variant's runs disagree with its expected verdict")
	_ = cmd.RegisterFlagCompletionFunc("format", cobra.FixedCompletions(reportFormats, cobra.ShellCompDirectiveNoFileComp))
	cmd.ValidArgsFunction = func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		return []string{"jsonl"}, cobra.ShellCompDirectiveFilterFileExt
	}
	cmd.AddCommand(newReportMergeCmd())
	return cmd
}

func newReportMergeCmd() *cobra.Command {
	var out string
	cmd := &cobra.Command{
		Use:   "merge [--out ALL.jsonl] PART.jsonl...",
		Short: "Merge results files (e.g. the shards of a sweep) into one, sorted by variant and seed",
		Long: "Union results files into one sorted by (variant, seed). A run found in several files is\n" +
			"kept once if its trace hash is the same everywhere, and is an error otherwise (results of\n" +
			"different nfsmail versions). The same inputs give the same bytes.",
		Example: "  nfsmail report merge --out all.jsonl part1.jsonl part2.jsonl part3.jsonl",
		Args:    cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			recs, err := study.Merge(args...)
			if err != nil {
				return err
			}
			if err := writeOut(cmd.OutOrStdout(), out, func(w io.Writer) error { return study.Write(w, recs) }); err != nil {
				return err
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "merged %d runs from %d files\n", len(recs), len(args))
			return nil
		},
	}
	cmd.Flags().StringVarP(&out, "out", "o", "", "write the merged results to `FILE` instead of stdout")
	_ = cmd.MarkFlagFilename("out", "jsonl")
	cmd.ValidArgsFunction = func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		return []string{"jsonl"}, cobra.ShellCompDirectiveFilterFileExt
	}
	return cmd
}

func reportWriter(format string) (func(reports.Report) func(io.Writer) error, error) {
	switch format {
	case "md", "markdown":
		return func(r reports.Report) func(io.Writer) error { return r.WriteMarkdown }, nil
	case "json":
		return func(r reports.Report) func(io.Writer) error { return r.WriteJSON }, nil
	case "junit", "xml":
		return func(r reports.Report) func(io.Writer) error { return r.WriteJUnit }, nil
	case "html":
		return func(r reports.Report) func(io.Writer) error { return r.WriteHTML }, nil
	}
	return nil, fmt.Errorf("--format %q: want one of md, json, junit, html", format)
}

// writeOut runs write into path ("" = stdout). A file is written under a
// temporary name and renamed, so a failed write leaves no half report.
func writeOut(stdout io.Writer, path string, write func(io.Writer) error) error {
	if path == "" || path == "-" {
		return write(stdout)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	bw := bufio.NewWriter(tmp)
	if err := write(bw); err != nil {
		tmp.Close()
		return err
	}
	if err := bw.Flush(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
