package cli

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"

	"github.com/nfsmail/nfsmail/nfsserver"
	"github.com/nfsmail/nfsmail/nfsserver/bench"
	"github.com/nfsmail/nfsmail/nfsserver/simfs"
	"github.com/spf13/cobra"
)

func newBenchCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "bench",
		Short: "Measure the simulator or the NFS server",
	}
	cmd.AddCommand(newBenchServerCmd(), newBenchSimCmd(), newBenchHuntCmd())
	return cmd
}

func newBenchServerCmd() *cobra.Command {
	var (
		cfg     bench.Config
		asJSON  bool
		ganesha bool
	)
	cmd := &cobra.Command{
		Use:   "server",
		Short: "Measure nfsmail's NFS server over TCP (mail workload, 10,000-entry listing), optionally against nfs-ganesha",
		Long: "Run a small-file mail workload (CREATE, 4 KiB UNSTABLE WRITE, COMMIT, RENAME into new/,\n" +
			"READDIRPLUS of new/, READ back, REMOVE of the oldest) and time listing a 10,000-entry\n" +
			"directory, against an in-process `nfsmail serve` on loopback TCP and, with --ganesha,\n" +
			"against nfs-ganesha (FSAL_VFS; needs ganesha.nfsd and rpcbind: make deps) driven by the\n" +
			"same client. Wall-clock measurement: figures vary between runs.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			results, err := benchServers(cmd, cfg, ganesha)
			if err != nil {
				return err
			}
			return printBench(cmd.OutOrStdout(), results, asJSON)
		},
	}
	f := cmd.Flags()
	f.IntVar(&cfg.Messages, "messages", 2000, "mail deliveries to time")
	f.IntVar(&cfg.ListEntries, "list-entries", 10000, "entries in the listed directory")
	f.IntVar(&cfg.ListRepeats, "list-repeats", 20, "how often the big directory is listed")
	f.BoolVar(&ganesha, "ganesha", false, "also measure nfs-ganesha")
	f.BoolVar(&asJSON, "json", false, "print results as JSON")
	return cmd
}

func benchServers(cmd *cobra.Command, cfg bench.Config, ganesha bool) ([]bench.Result, error) {
	stderr := cmd.ErrOrStderr()
	clock := nfsserver.NewWallClock()
	srv := nfsserver.New(simfs.New(simfs.Options{Now: clock.Time}), nfsserver.Options{Clock: clock, Epoch: clock.Epoch()})
	defer srv.Close()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	go func() { _ = srv.Serve(l) }()
	a := l.Addr().String()
	fmt.Fprintf(stderr, "measuring nfsmail serve on %s...\n", a)
	res, err := bench.Run(cmd.Context(), bench.Target{Name: "nfsmail", NFS: a, Mount: a, Export: "/"}, cfg)
	if err != nil {
		return nil, err
	}
	results := []bench.Result{res}
	if !ganesha {
		return results, nil
	}
	dir, err := os.MkdirTemp("", "nfsmail-ganesha-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	g, err := bench.StartGanesha(dir)
	if errors.Is(err, bench.ErrNoGanesha) {
		fmt.Fprintln(stderr, "skipping nfs-ganesha:", err)
		return results, nil
	}
	if err != nil {
		return nil, err
	}
	defer g.Stop()
	fmt.Fprintf(stderr, "measuring nfs-ganesha on %s...\n", g.Target.NFS)
	gres, err := bench.Run(cmd.Context(), g.Target, cfg)
	if err != nil {
		return nil, err
	}
	return append(results, gres), nil
}

func printBench(w io.Writer, results []bench.Result, asJSON bool) error {
	if asJSON {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(results)
	}
	fmt.Fprintf(w, "%-12s %12s %10s %14s %14s\n", "server", "mail ops/s", "rpcs/op", "list best ms", "list median ms")
	for _, r := range results {
		fmt.Fprintf(w, "%-12s %12.0f %10.1f %14.2f %14.2f\n", r.Target, r.MailOpsPerSec, r.MailRPCsPerOp,
			r.ListBestMillis, r.ListMedianMilli)
	}
	if len(results) == 2 {
		a, b := results[0], results[1]
		fmt.Fprintf(w, "ratio nfsmail/ganesha: mail %.2fx, listing %.2fx faster\n",
			a.MailOpsPerSec/b.MailOpsPerSec, b.ListMedianMilli/a.ListMedianMilli)
	}
	return nil
}
