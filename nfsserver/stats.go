package nfsserver

import (
	"fmt"
	"sort"
	"sync"
)

// Stats are the RPC call counts of a server, in a deterministic order.
type Stats struct {
	// Calls is sorted by Host, then Prog, Proc and Vers.
	Calls []CallCount
	// Replays counts replies the duplicate request cache replayed.
	Replays uint64
	// Panics counts procedures that panicked (a server bug; the client got
	// SYSTEM_ERR); LastPanic is the last panic value.
	Panics    uint64
	LastPanic string
}

// CallCount counts the calls of one procedure from one host, whether
// served by go-nfs, by the dispatcher or rejected.
type CallCount struct {
	Host      string
	Program   string // "NFS", "MOUNT", or "PROG<n>"
	Procedure string // e.g. "GETATTR", "EXPORT", or "PROC<n>"
	Prog      uint32
	Vers      uint32
	Proc      uint32
	Count     uint64
}

// Count sums the calls matching host, program and procedure names; an
// empty string matches anything.
func (st Stats) Count(host, program, procedure string) uint64 {
	var n uint64
	for _, c := range st.Calls {
		if (host == "" || c.Host == host) && (program == "" || c.Program == program) &&
			(procedure == "" || c.Procedure == procedure) {
			n += c.Count
		}
	}
	return n
}

// Stats returns a snapshot of the call counts.
func (s *Server) Stats() Stats { return s.stats.snapshot() }

type statKey struct {
	host             string
	prog, vers, proc uint32
}

type statTable struct {
	mu       sync.Mutex
	counts   map[statKey]uint64
	replays  uint64 // replies the DRC replayed
	panics   uint64 // procedure panics turned into SYSTEM_ERR
	lastPain string
}

func (t *statTable) replayed() {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.replays++
}

func (t *statTable) panicked(r any) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.panics++
	t.lastPain = fmt.Sprint(r)
}

func (t *statTable) add(host string, prog, vers, proc uint32) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.counts == nil {
		t.counts = make(map[statKey]uint64)
	}
	t.counts[statKey{host, prog, vers, proc}]++
}

func (t *statTable) snapshot() Stats {
	t.mu.Lock()
	calls := make([]CallCount, 0, len(t.counts))
	for k, n := range t.counts {
		pn, cn := names(k.prog, k.proc)
		calls = append(calls, CallCount{Host: k.host, Program: pn, Procedure: cn,
			Prog: k.prog, Vers: k.vers, Proc: k.proc, Count: n})
	}
	st := Stats{Replays: t.replays, Panics: t.panics, LastPanic: t.lastPain}
	t.mu.Unlock()
	sort.Slice(calls, func(i, j int) bool {
		a, b := calls[i], calls[j]
		if a.Host != b.Host {
			return a.Host < b.Host
		}
		if a.Prog != b.Prog {
			return a.Prog < b.Prog
		}
		if a.Proc != b.Proc {
			return a.Proc < b.Proc
		}
		return a.Vers < b.Vers
	})
	st.Calls = calls
	return st
}
