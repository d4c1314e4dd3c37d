// Package realdovecot runs the real Dovecot 2.3 on the simulated NFS and
// holds the simulation to it: one Dovecot instance per backend, each on its
// own FUSE view (package fuseview) of one simulated host's NFS client
// (harness/nfsclient) mounting one simulated server (nfsserver, in-process
// or an `nfsmail serve` over TCP).
//
// Each instance has its own base_dir, loopback ports, logs and a
// dovecot.conf generated deterministically from the scenario's settings
// (InstanceConfig.Conf: mail_location with INDEX/VOLATILEDIR/LISTINDEX/ALT,
// mmap_disable, mail_fsync, mail_nfs_*, lock_method). Mail lives under the
// view, owned by the unprivileged MailUser (vmail). Workloads come from
// mailgen and are routed by the scenario's cluster policy: deliveries over
// LMTP (go-smtp), sessions over IMAP (go-imap v2). Afterwards every backend
// is stopped, an auditor instance on a cache-less view (noac,
// lookupcache=none) reads every INBOX over IMAP into the same check.Model
// the simulation uses, and Dovecot's Error/Fatal/Panic log lines become
// engine-error findings (warnings are counted, see Classify).
//
// # Usage
//
//	res, err := realdovecot.Run(ctx, sc, realdovecot.Options{Seed: 1, Wall: 30 * time.Second})
//	fmt.Println(res.Verdict, res.Deliveries, res.RPCsPerOp)
//
// CompareFidelity runs a scenario in both tiers (workload compressed into
// the same span) and measures the RPCs of an LMTP delivery in each;
// FidelityScenarios are the scenarios compared by default, and
// WriteFidelityMarkdown renders the table with a "where and why they
// differ" column built from verdicts, normalised log lines seen in one
// tier only, per-procedure RPC gaps and files only one tier writes.
//
// Needs root (direct FUSE mounts), /dev/fuse, the Debian packages
// dovecot-core, dovecot-imapd and dovecot-lmtpd, and a vmail user (Check
// says what is missing). `nfsmail dovecot run`, `nfsmail fidelity` and
// `nfsmail mount` are the command-line entry points.
//
// # Determinism
//
// None: real processes in wall-clock time. The seed fixes the workload and
// routing, not the interleaving, so a scenario has a verdict distribution
// over runs rather than one verdict. Every Result says so (Note).
//
// # Faults
//
// No injected faults yet: scenarios with fault plans, cluster events
// (crash, hiccup, server restart), an unmounted backend, LDA on the MX,
// quota-status or separate delivery settings are not Runnable, nor is
// clock skew (it cannot be applied to real processes). Locks: if a
// lock-mounted view fails fcntl (no NLM service), the scenario is mounted
// with nolock added and the Result says so (MountNote). An operation Dovecot fails (LMTP 4xx, an IMAP error) is counted
// in the Result, not in the model, as the client was told nothing.
package realdovecot
