// Package simtest is the datadriven environment for multi-step host and
// NFS behaviour: testdata/*.txt scripts mount hosts on one simulated NFS
// server, run file operations, advance the virtual clock, crash hosts and
// take Dovecot dotlocks, and show what each step returned together with the
// RPCs it sent. The scripts are the project's executable explanations of
// NFS semantics ("a stale size within acregmin", "a skewed clock overrides a
// live dotlock"); `go test ./harness/simtest -rewrite` regenerates them.
//
// # Usage
//
// Commands (one file each, cmd_*.go):
//
//	mount host=a [opts=actimeo=3,nolock] [skew=150s]
//	advance 4s
//	open host=a path=f [flags=w,creat,excl,trunc,append] as=F
//	write f=F data=...   | read f=F   | sync f=F   | close f=F
//	put host=a path=f data=...   (open+write+close)
//	cat host=a path=f   | stat host=a path=f   | ls host=a path=d
//	mkdir, rm, mv (from= to=), link (from= to=)
//	crash host=a
//	dotlock host=a path=f [stale=120s] [timeout=122s] as=L   | unlock lock=L
//
// # Determinism
//
// Time moves only with advance and with the cost of RPCs and waits; the
// same script always prints the same output.
package simtest
