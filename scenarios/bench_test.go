package scenarios_test

import (
	"testing"

	"github.com/nfsmail/nfsmail/scenarios"
)

// BenchmarkRun measures whole scenario runs: wall time per run, and the
// simulated NFS RPCs per wall-clock second and virtual-to-wall time ratio.
func BenchmarkRun(b *testing.B) {
	for _, sc := range scenarios.All() {
		b.Run(sc.Name, func(b *testing.B) {
			var rpcs int
			var virt float64
			seed := uint64(0)
			for b.Loop() {
				res, err := scenarios.Run(sc, scenarios.Options{Seed: seed})
				if err != nil {
					b.Fatal(err)
				}
				seed++
				rpcs += res.RPCs
				virt += res.VirtualSeconds
			}
			b.ReportMetric(float64(rpcs)/b.Elapsed().Seconds(), "rpc/s")
			b.ReportMetric(virt/b.Elapsed().Seconds(), "virtual/wall")
		})
	}
}
