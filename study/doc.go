// Package study sweeps scenarios × settings × seeds and keeps the results:
// the capacity and safety studies of DESIGN.md §7.
//
// A Spec names scenarios (catalog names, globs over them, or scenario
// files) and knobs ("mail_fsync=always,never"); Spec.Jobs expands them to
// the cartesian product of variants (Scenario.With) times seeds 1..N,
// sorted by (variant, seed). Sweep runs the jobs on a worker pool and
// appends one JSON line per finished run to a results file, so an
// interrupted sweep resumes where it stopped; a Shard picks a
// deterministic share of the jobs for one of N processes or machines, and
// Merge unions the shards' files into one sorted file.
//
// # Usage
//
//	spec := study.Spec{Scenarios: []string{"maildir-*"}, Knobs: []study.Knob{knob}, Seeds: 20}
//	jobs, err := spec.Jobs()
//	stats, err := study.Sweep(ctx, "results.jsonl", jobs, study.Options{})
//	recs, err := study.Merge("results.jsonl")
//
// # Determinism
//
// This package is not a simulation package: it runs each scenarios.Run on
// its own goroutine and lines reach the file in the order runs finish. Each
// run is a function of its variant and seed, so the set of records is
// deterministic; Merge sorts them by (variant, seed), and a (variant, seed)
// pair seen twice must carry the same trace hash.
//
// # Errors
//
// A harness error (scenarios.Run returned an error) is not written to the
// results file: Sweep carries on with the other jobs and returns all such
// errors joined, so a later resume retries them.
package study
