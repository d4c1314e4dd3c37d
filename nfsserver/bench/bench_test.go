package bench_test

import (
	"context"
	"net"
	"testing"
	"time"

	"github.com/nfsmail/nfsmail/nfsserver"
	"github.com/nfsmail/nfsmail/nfsserver/bench"
	"github.com/nfsmail/nfsmail/nfsserver/simfs"
)

// serveTCP starts an in-process server on loopback TCP.
func serveTCP(tb testing.TB) bench.Target {
	tb.Helper()
	clk := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	srv := nfsserver.New(simfs.New(simfs.Options{Now: func() time.Time { return clk }}), nfsserver.Options{})
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Skipf("no loopback TCP: %v", err)
	}
	go func() { _ = srv.Serve(l) }()
	tb.Cleanup(func() { srv.Close() })
	a := l.Addr().String()
	return bench.Target{Name: "nfsmail", NFS: a, Mount: a, Export: "/"}
}

func TestRunSmall(t *testing.T) {
	res, err := bench.Run(context.Background(), serveTCP(t), bench.Config{Messages: 50, Mailbox: 10, ListEntries: 300, ListRepeats: 2})
	if err != nil {
		t.Fatal(err)
	}
	if res.MailOpsPerSec <= 0 || res.ListBestMillis <= 0 {
		t.Fatalf("%+v", res)
	}
}

// BenchmarkList10k times listing a 10,000-entry directory over TCP.
func BenchmarkList10k(b *testing.B) {
	t := serveTCP(b)
	ctx := context.Background()
	b.ResetTimer()
	res, err := bench.Run(ctx, t, bench.Config{Messages: 1, ListEntries: 10000, ListRepeats: max(b.N, 1)})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(res.ListMedianMilli, "ms/list")
}
