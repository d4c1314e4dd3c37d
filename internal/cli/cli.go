package cli

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/spf13/cobra"
)

// Exit statuses.
const (
	ExitOK       = 0 // the verdict matched the expected one
	ExitMismatch = 1 // a run's verdict differed from the expected one
	ExitUsage    = 2 // bad usage or a harness error
)

// exitError carries an exit status through cobra.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

// mismatch reports a run whose verdict was not the expected one; the
// result itself was already printed.
func mismatch(format string, args ...any) error {
	return &exitError{code: ExitMismatch, err: fmt.Errorf(format, args...)}
}

// Run executes the nfsmail command line args (without the program name)
// and returns the process exit status.
func Run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	root := newRoot()
	root.SetArgs(args)
	root.SetOut(stdout)
	root.SetErr(stderr)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return ExitOK
	}
	var ee *exitError
	if errors.As(err, &ee) {
		if ee.code != ExitMismatch {
			fmt.Fprintln(stderr, "nfsmail:", ee.err)
		}
		return ee.code
	}
	fmt.Fprintln(stderr, "nfsmail:", err)
	return ExitUsage
}

func newRoot() *cobra.Command {
	root := &cobra.Command{
		Use:   "nfsmail",
		Short: "Show when and why Dovecot on NFS corrupts mail",
		Long: "nfsmail simulates Dovecot backends sharing one mail store over NFS, with a fault-injecting\n" +
			"NFS server and Linux-like NFS clients, and measures which settings corrupt mail.\n" +
			"Runs are deterministic: a scenario and a seed replay byte for byte.",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.AddCommand(newScenariosCmd(), newRunCmd(), newGuideCmd(), newAssessCmd(), newShrinkCmd(), newServeCmd(), newBenchCmd(), newMountCmd(), newDovecotCmd(), newFidelityCmd(), newMatrixCmd(), newReportCmd(), newReproduceCmd())
	return root
}
