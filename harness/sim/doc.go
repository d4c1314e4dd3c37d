// Package sim is the deterministic core of every simulation: a scheduler
// that runs one simulated process at a time, a virtual clock, seeded choice
// streams and a trace whose hash proves two runs were the same.
//
// # Usage
//
// Processes are goroutines created with Scheduler.Spawn, but only the one
// holding the baton runs. A process hands the baton back at every
// scheduling point (Proc.Yield, called by the host's file system before each
// vfs call, or Proc.Sleep) and the scheduler's Chooser picks who runs next
// among the processes whose wake-up time has come. Virtual time advances by
// the cost each process charges for its steps (Scheduler.Charge, e.g. an NFS
// round trip) and jumps forward when everyone sleeps.
//
// # Determinism
//
// No wall clock, no global randomness, no free-running goroutines: a run is a
// function of the seed and the inputs. Random streams come from Stream(seed,
// name), so adding a consumer does not shift the others. Trace records every
// step; its SHA-256 is compared across runs by determinism tests.
//
// # Faults
//
// Kill ends a process at its next scheduling point (a host crash); the
// process's goroutine unwinds with a panic that Spawn's wrapper recovers.
package sim
