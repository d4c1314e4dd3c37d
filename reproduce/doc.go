// Package reproduce turns a reported Dovecot error log into a simulated
// run that logs the same errors, shrinks it to a minimal schedule, says
// which settings, faults and events were necessary, and writes it as a
// replayable scenario with a Go regression test.
//
// It reads Dovecot's log formats (syslog, log_path files, journalctl
// export and JSON; ParseLog), normalises each error or warning (Normalize)
// and sorts it into a signature of Table, which names the storage formats,
// mechanisms and knobs that produce it; lines no signature knows are kept
// as unknown. Search then runs catalog scenarios (or the reporter's own
// setup, from assess.Build) with knobs (Knob: settings, mount options,
// routing, clock skew, cluster events, fault-plan rules) until one run logs
// every wanted signature; Shrink removes workload operations by delta
// debugging; Explain replays the shrunk schedule without each Factor.
//
// # Usage
//
//	lg, err := reproduce.ParseLog("mail.log", data)
//	rep, err := reproduce.Reproduce(ctx, reproduce.Request{Log: lg, Budget: time.Minute})
//	replay, err := reproduce.Write("case-1", rep, data)
//
// # Determinism
//
// Every simulated run is deterministic (scenario, seed, ops). The search
// and the shrink run on several goroutines and stop at a wall-clock
// budget, so how far they get depends on the machine; among the runs made
// the earliest in candidate order wins, so the answer does not depend on
// the number of workers or on timing, only on whether the budget reached
// it. The random phase draws from a PCG stream seeded by Request.Seed.
// This package is not a simulation package: it may use wall time.
//
// # Faults
//
// Fault-plan rules and cluster events come from presets (see Knob);
// MarshalScenario writes them next to the scenario file, since
// scenarios.Marshal does not write them yet.
package reproduce
