package scenarios

import (
	"time"

	"github.com/nfsmail/nfsmail/harness/check"
	"github.com/nfsmail/nfsmail/mailgen"
	"github.com/nfsmail/nfsmail/mailstore"
)

// BenchScenario is the simulator's throughput workload: four backends
// without a director, Linux-default mounts, a mixed LMTP and IMAP load.
func BenchScenario() Scenario {
	return Scenario{
		Name: "bench-4host-mixed", Format: "maildir", Expected: check.Clean,
		Claim: "(benchmark workload, not a claim of the guide)",
		Hosts: 4, Routing: "random", Settings: mailstore.DefaultSettings(),
		Workload: mailgen.Spec{Users: 8, Deliveries: 20, Sessions: 8, Commands: 8,
			Duration: 5 * time.Minute, Idle: 10 * time.Second, ClientIPs: 4},
	}
}

// BenchResult is what Bench measured.
type BenchResult struct {
	Scenario           string  `json:"scenario"`
	Runs               int     `json:"runs"`
	WallSeconds        float64 `json:"wall_seconds"`
	VirtualSeconds     float64 `json:"virtual_seconds"`
	RPCs               int     `json:"rpcs"`
	Ops                int     `json:"ops"`
	RPCsPerSecond      float64 `json:"rpcs_per_second"`
	OpsPerSecond       float64 `json:"ops_per_second"`
	VirtualToWallRatio float64 `json:"virtual_to_wall_ratio"`
	RPCsPerOp          float64 `json:"rpcs_per_op"`
}

// Bench runs sc with seeds seed, seed+1, ... for at least d of wall-clock
// time (at least one run) and reports throughput. It measures wall time, so
// unlike Run its result is not deterministic.
func Bench(sc Scenario, seed uint64, d time.Duration) (BenchResult, error) {
	b := BenchResult{Scenario: sc.Name}
	start := time.Now()
	for b.Runs == 0 || time.Since(start) < d {
		res, err := Run(sc, Options{Seed: seed + uint64(b.Runs), TraceLimit: 1})
		if err != nil {
			return b, err
		}
		b.Runs++
		b.RPCs += res.RPCs
		b.Ops += res.Ops
		b.VirtualSeconds += res.VirtualSeconds
	}
	b.WallSeconds = time.Since(start).Seconds()
	b.RPCsPerSecond = float64(b.RPCs) / b.WallSeconds
	b.OpsPerSecond = float64(b.Ops) / b.WallSeconds
	b.VirtualToWallRatio = b.VirtualSeconds / b.WallSeconds
	if b.Ops > 0 {
		b.RPCsPerOp = float64(b.RPCs) / float64(b.Ops)
	}
	return b, nil
}
