package cli

import (
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"

	"github.com/nfsmail/nfsmail/harness/fault"
	"github.com/nfsmail/nfsmail/nfsserver"
	"github.com/nfsmail/nfsmail/nfsserver/simfs"
	"github.com/spf13/cobra"
)

// serveConfig holds the flags of `nfsmail serve`.
type serveConfig struct {
	listen string
	faults string
	dir    string
	seed   uint64
	drc    bool
}

func newServeCmd() *cobra.Command {
	var cfg serveConfig
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Serve the simulated NFSv3 store (MOUNT, NFS, NLM on one port) to real NFS clients over TCP",
		Long: "Serve the simulated store over TCP so real NFS clients (libnfs nfs-ls/nfs-cat/nfs-cp,\n" +
			"go-nfs-client) can use it: MOUNT, NFSv3 and NLM v4 on one port, no portmapper.\n" +
			"It binds loopback unless --listen says otherwise, keeps every path inside the export,\n" +
			"and prints per-procedure call counts on exit (SIGINT/SIGTERM).\n" +
			"It runs in wall-clock time and is not deterministic.\n" +
			"libnfs URL: nfs://127.0.0.1/?version=3&nfsport=PORT&mountport=PORT",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return serve(cmd, cfg)
		},
	}
	f := cmd.Flags()
	f.StringVar(&cfg.listen, "listen", "127.0.0.1:20049", "TCP `ADDR` to listen on (port 0 picks one)")
	f.StringVar(&cfg.faults, "faults", "", "fault plan `FILE` (TOML) to apply")
	f.StringVar(&cfg.dir, "dir", "", "load the store from `DIR` and save it back on exit")
	f.Uint64Var(&cfg.seed, "seed", 1, "seed of the fault plan's probabilities")
	f.BoolVar(&cfg.drc, "drc", false, "turn on the duplicate request cache")
	return cmd
}

func serve(cmd *cobra.Command, cfg serveConfig) error {
	stderr := cmd.ErrOrStderr()
	clock := nfsserver.NewWallClock()
	store, err := loadStore(cfg.dir, clock)
	if err != nil {
		return err
	}
	opts := nfsserver.Options{Clock: clock, Epoch: clock.Epoch(), DRC: cfg.drc}
	if cfg.faults != "" {
		src, err := os.ReadFile(cfg.faults)
		if err != nil {
			return err
		}
		plan, err := fault.ParsePlan(cfg.faults, src)
		if err != nil {
			return err
		}
		opts.Faults = fault.New(plan, cfg.seed)
	}
	srv := nfsserver.New(store, opts)
	l, err := net.Listen("tcp", cfg.listen)
	if err != nil {
		srv.Close()
		return err
	}
	fmt.Fprintf(stderr, "nfsmail serve: listening on %s (wall-clock time, not deterministic)\n", l.Addr())
	served := make(chan error, 1)
	go func() { served <- srv.Serve(l) }()
	select {
	case <-cmd.Context().Done():
	case err = <-served:
	}
	fmt.Fprintln(stderr, "nfsmail serve: stopping")
	if cerr := srv.Close(); err == nil {
		err = cerr
	}
	printServeStats(cmd.OutOrStdout(), srv)
	if cfg.dir != "" {
		if serr := saveStore(store, cfg.dir); err == nil {
			err = serr
		}
	}
	return err
}

// loadStore loads DIR if it exists, or starts empty.
func loadStore(dir string, clock *nfsserver.WallClock) (*simfs.FS, error) {
	opts := simfs.Options{Now: clock.Time}
	if dir == "" {
		return simfs.New(opts), nil
	}
	if _, err := os.Stat(dir); errors.Is(err, os.ErrNotExist) {
		return simfs.New(opts), nil
	}
	return simfs.Load(dir, opts)
}

// saveStore writes the store to DIR by way of a fresh sibling directory,
// so a failed save leaves the old tree in place.
func saveStore(store *simfs.FS, dir string) error {
	dir = filepath.Clean(dir)
	tmp, err := os.MkdirTemp(filepath.Dir(dir), filepath.Base(dir)+".new-*")
	if err != nil {
		return err
	}
	if err := store.WriteTo(tmp); err != nil {
		os.RemoveAll(tmp)
		return err
	}
	old := dir + ".old"
	if err := os.Rename(dir, old); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	if err := os.Rename(tmp, dir); err != nil {
		return err
	}
	return os.RemoveAll(old)
}

func printServeStats(w io.Writer, srv *nfsserver.Server) {
	st := srv.Stats()
	fmt.Fprintf(w, "%-16s %-7s %-12s %8s\n", "host", "program", "procedure", "calls")
	for _, c := range st.Calls {
		fmt.Fprintf(w, "%-16s %-7s %-12s %8d\n", c.Host, c.Program, c.Procedure, c.Count)
	}
	if st.Replays > 0 || st.Panics > 0 {
		fmt.Fprintf(w, "drc replays %d, server panics %d\n", st.Replays, st.Panics)
	}
	for _, f := range srv.Faults().Fired() {
		fmt.Fprintln(w, "fault", f)
	}
}
