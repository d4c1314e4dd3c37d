// Package scenarios holds the catalog of named scenarios — one per claim of
// Dovecot's NFS guide — and Run, which builds a simulated cluster for a
// scenario (NFS server, hosts with their mounts, a router, a workload),
// runs it under the deterministic scheduler, audits the result and returns
// a verdict with findings and costs.
//
// # Usage
//
//	sc, _ := scenarios.Lookup("maildir-director")
//	res, err := scenarios.Run(sc, scenarios.Options{Seed: 1})
//	if res.Verdict != res.Expected { ... }
//
// # Determinism
//
// A Result is a function of the scenario and Options.Seed: the same pair
// gives the same trace hash, findings and counts.
package scenarios
