package nfsserver

import (
	"bufio"
	"bytes"
	"testing"
)

// FuzzReadRecord feeds arbitrary streams to the record reader: it must
// return records or errors, never panic or allocate what a forged length
// claims.
func FuzzReadRecord(f *testing.F) {
	f.Add([]byte{0x80, 0, 0, 4, 1, 2, 3, 4})
	f.Add([]byte{0, 0, 0, 2, 'a', 'b', 0x80, 0, 0, 1, 'c'})
	f.Add([]byte{0xff, 0xff, 0xff, 0xff})
	f.Fuzz(func(t *testing.T, b []byte) {
		r := bufio.NewReader(bytes.NewReader(b))
		for i := 0; i < 100; i++ {
			rec, err := readRecord(r)
			if err != nil {
				return
			}
			if len(rec) > len(b) {
				t.Fatalf("record of %d bytes from %d input bytes", len(rec), len(b))
			}
		}
	})
}
