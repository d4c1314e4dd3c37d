// Package fault is the fault plan ("nemesis") of a simulated NFS server:
// what goes wrong, where and when.
//
// A Plan is a list of Rules. Each rule matches calls — by procedure
// ("WRITE", "NLM.LOCK", "MOUNT.MNT"), client host, target path pattern,
// virtual-time window, nth matching occurrence and probability — and names
// one action: delay the reply, drop it (the client times out and
// retransmits), duplicate the request, answer a status (EIO, ENOSPC, STALE,
// JUKEBOX) instead of executing, restart the server, lose a lock grant or
// grant a lock twice. Plans are written in TOML (ParsePlan) with
// line-numbered errors.
//
// # Usage
//
//	plan, err := fault.ParsePlan("plan.toml", src)
//	eng := fault.New(plan, seed)
//	srv := nfsserver.New(store, nfsserver.Options{Faults: eng})
//	...
//	for _, f := range eng.Fired() { fmt.Println(f) }
//
// The server asks Decide for every call it receives; a nil *Engine
// decides nothing.
//
// # Determinism
//
// Probabilities are drawn from a PCG stream seeded by (seed, "fault"), one
// draw per call that matches a probabilistic rule in everything else, so
// the same seed and the same sequence of calls fire the same faults. Fired
// lists firings in the order they happened.
//
// # Faults
//
// Errors a fault makes wrap ErrInjected (errors.Is(err, fault.ErrInjected)),
// so they are told apart from findings about the system under test and
// from harness bugs.
package fault
