package scenarios_test

import (
	"testing"
	"time"

	"github.com/nfsmail/nfsmail/harness/check"
	"github.com/nfsmail/nfsmail/mailgen"
	"github.com/nfsmail/nfsmail/mailstore"
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

// BenchmarkDeliveries measures each engine on one host without faults:
// simulated LMTP deliveries per wall-clock second (whole runs: scheduling,
// the NFS client and server models and the final audit included) and NFS
// RPCs per delivery, per format and setting.
func BenchmarkDeliveries(b *testing.B) {
	recommended := mailstore.DefaultSettings()
	recommended.MmapDisable, recommended.MailFsync = true, mailstore.FsyncAlways
	mailNFS := recommended
	mailNFS.MailNFSIndex, mailNFS.MailNFSStorage = true, true
	dotlock := mailstore.DefaultSettings()
	dotlock.LockMethod = mailstore.LockDotlock
	settings := []struct {
		name  string
		s     mailstore.Settings
		mount string
	}{
		{"defaults", mailstore.DefaultSettings(), ""},
		{"recommended", recommended, ""},
		{"mail_nfs", mailNFS, ""},
		{"dotlock", dotlock, ""},
		{"noac", recommended, "noac"},
	}
	for _, format := range scenarios.Formats {
		for _, set := range settings {
			sc := scenarios.Scenario{Name: "bench-deliveries", Format: format, Expected: check.Clean, Hosts: 1,
				Routing: "director", Mount: set.mount, Settings: set.s,
				Workload: mailgen.Spec{Users: 1, Deliveries: 200, Duration: 20 * time.Second}}
			b.Run(format+"/"+set.name, func(b *testing.B) {
				var rpcs, ops int
				seed := uint64(0)
				for b.Loop() {
					res, err := scenarios.Run(sc, scenarios.Options{Seed: seed, TraceLimit: 1})
					if err != nil {
						b.Fatal(err)
					}
					if res.Verdict != check.Clean {
						b.Fatalf("seed %d: %s", seed, res.Verdict)
					}
					seed++
					rpcs += res.RPCs
					ops += res.Ops
				}
				b.ReportMetric(float64(ops)/b.Elapsed().Seconds(), "deliveries/s")
				b.ReportMetric(float64(rpcs)/float64(ops), "rpcs/delivery")
			})
		}
	}
}
