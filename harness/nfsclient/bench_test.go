package nfsclient_test

import (
	"fmt"
	"testing"

	"github.com/nfsmail/nfsmail/vfs"
)

// BenchmarkGetattr measures RPCs per second through the client model, the
// in-memory connection and go-nfs: a noac Stat is one GETATTR.
func BenchmarkGetattr(b *testing.B) {
	w := newWorld(&testing.T{})
	defer w.srv.Close()
	m := w.mountB(b, "bench", "noac")
	if err := vfs.WriteFile(m, "f", []byte("x"), 0o644); err != nil {
		b.Fatal(err)
	}
	before := m.Counts()["GETATTR"]
	b.ResetTimer()
	for b.Loop() {
		if _, err := m.Stat("f"); err != nil {
			b.Fatal(err)
		}
	}
	rpcs := m.Counts()["GETATTR"] - before
	b.ReportMetric(float64(rpcs)/b.Elapsed().Seconds(), "rpc/s")
}

// BenchmarkMailDelivery is the Maildir delivery pattern: create in tmp/,
// write 4 KiB, close, rename into new/, list new/.
func BenchmarkMailDelivery(b *testing.B) {
	w := newWorld(&testing.T{})
	defer w.srv.Close()
	m := w.mountB(b, "bench", "")
	for _, d := range []string{"tmp", "new"} {
		if err := m.Mkdir(d, 0o700); err != nil {
			b.Fatal(err)
		}
	}
	body := make([]byte, 4096)
	start := total(m.Counts())
	i := 0
	b.ResetTimer()
	for b.Loop() {
		i++
		name := fmt.Sprintf("%d.M1P1.host", i)
		f, err := m.OpenFile("tmp/"+name, vfs.O_WRONLY|vfs.O_CREATE|vfs.O_EXCL, 0o600)
		if err != nil {
			b.Fatal(err)
		}
		f.Write(body)
		if err := f.Close(); err != nil {
			b.Fatal(err)
		}
		if err := m.Rename("tmp/"+name, "new/"+name); err != nil {
			b.Fatal(err)
		}
		if i%100 == 0 {
			if _, err := m.ReadDir("new"); err != nil {
				b.Fatal(err)
			}
		}
	}
	rpcs := total(m.Counts()) - start
	b.ReportMetric(float64(rpcs)/b.Elapsed().Seconds(), "rpc/s")
	b.ReportMetric(float64(rpcs)/float64(b.N), "rpc/op")
}

func total(c map[string]int) int {
	n := 0
	for _, v := range c {
		n += v
	}
	return n
}
