package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/nfsmail/nfsmail/realdovecot"
)

func newMountCmd() *cobra.Command {
	var (
		dirs     []string
		server   string
		options  string
		export   string
		uid, gid uint32
		debug    bool
	)
	cmd := &cobra.Command{
		Use:   "mount --mountpoint DIR [--mountpoint DIR2 ...]",
		Short: "Serve simulated hosts' NFS client views through FUSE (wall clock)",
		Long: "Mount one simulated host's view of the NFS store at each --mountpoint, through FUSE.\n" +
			"Each view is its own host: its own nfsclient model (attribute, lookup and data caches,\n" +
			"write-back, nolock or NLM locks) configured by --options, a Linux NFS mount-options string.\n" +
			"The kernel caches nothing (attribute/entry timeouts 0, page cache dropped on open), so the\n" +
			"model is the only cache. fcntl locks and flock go through the model.\n" +
			"Without --server the views share one in-process NFS server; with --server they mount an\n" +
			"'nfsmail serve' over TCP. Runs in wall-clock time (not deterministic) until interrupted;\n" +
			"needs root and /dev/fuse.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if len(dirs) == 0 {
				return &exitError{code: ExitUsage, err: errors.New("mount: --mountpoint is required")}
			}
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			return serveViews(ctx, cmd, dirs, server, realdovecot.ViewConfig{MountOpts: options, Export: export, UID: uid, GID: gid, DebugFUSE: debug})
		},
	}
	cmd.Flags().StringArrayVar(&dirs, "mountpoint", nil, "serve a host's view at `DIR` (repeat for more hosts)")
	cmd.Flags().StringVar(&server, "server", "", "mount an 'nfsmail serve' at `HOST:PORT` instead of an in-process server")
	cmd.Flags().StringVar(&options, "options", "", "NFS mount `OPTIONS`, e.g. \"actimeo=30,nolock\" (default: Linux defaults)")
	cmd.Flags().StringVar(&export, "export", "/", "the export `PATH` to mount")
	cmd.Flags().Uint32Var(&uid, "uid", 5000, "owner `UID` shown for every file (ownership is not modelled)")
	cmd.Flags().Uint32Var(&gid, "gid", 5000, "owner `GID` shown for every file")
	cmd.Flags().BoolVar(&debug, "debug", false, "log every FUSE request to stderr")
	return cmd
}

// serveViews mounts one view per directory and waits for ctx, then
// unmounts them all (also after a failure half way).
func serveViews(ctx context.Context, cmd *cobra.Command, dirs []string, server string, base realdovecot.ViewConfig) (err error) {
	errw := cmd.ErrOrStderr()
	var store *realdovecot.Store
	if server == "" {
		store = realdovecot.NewStore()
		defer store.Close()
	}
	var views []*realdovecot.HostView
	defer func() {
		for _, v := range views {
			if uerr := v.Close(); uerr != nil {
				err = errors.Join(err, uerr)
			}
		}
	}()
	for i, dir := range dirs {
		cfg := base
		cfg.Host, cfg.Dir = fmt.Sprintf("host%d", i+1), dir
		if server != "" {
			cfg.Dial = realdovecot.TCPDialer(server)
		} else {
			cfg.Dial = store.Dialer(cfg.Host)
		}
		v, err := realdovecot.MountView(cfg)
		if err != nil {
			return err
		}
		views = append(views, v)
		fmt.Fprintf(cmd.OutOrStdout(), "%s  %s  options %q\n", cfg.Host, dir, v.Options().String())
	}
	fmt.Fprintln(errw, "nfsmail mount: wall-clock time (virtual time follows the wall clock): not deterministic")
	fmt.Fprintln(errw, "nfsmail mount: serving until interrupted (Ctrl-C or SIGTERM)")
	<-ctx.Done()
	for _, v := range views {
		fmt.Fprintf(cmd.OutOrStdout(), "%s  rpcs %v\n", v.Host, v.RPCs())
	}
	return nil
}
