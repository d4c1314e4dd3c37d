// Package cli implements the nfsmail command line: one file per subcommand,
// all reachable through Run so tests and main share one path. Results go to
// stdout, progress and hints to stderr; --json output only ever gains fields.
//
// # Usage
//
//	os.Exit(cli.Run(ctx, os.Args[1:], os.Stdout, os.Stderr))
//
// # Determinism
//
// run, scenarios and guide print the same bytes for the same arguments;
// serve, mount, bench and the real-Dovecot commands run in wall-clock time
// and say so.
package cli
