package index_test

import (
	"bytes"
	"testing"

	"github.com/nfsmail/nfsmail/mailstore"
	"github.com/nfsmail/nfsmail/mailstore/index"
)

func TestSizeEncoding(t *testing.T) {
	tests := []struct {
		n    uint32
		want uint32
	}{
		{8, 0x80808082},
		{12, 0x80808083},
		{512, 0x80808180},             // 128 words: carries into the second group
		{0x3ffffffc, 0xffffffff},      // the largest size
		{4 * (1<<14 + 1), 0x80818081}, // third group
	}
	for _, tc := range tests {
		if got := index.EncodeSize(tc.n); got != tc.want {
			t.Errorf("EncodeSize(%d) = %#x, want %#x", tc.n, got, tc.want)
		}
		if got := index.DecodeSize(tc.want); got != tc.n {
			t.Errorf("DecodeSize(%#x) = %d, want %d", tc.want, got, tc.n)
		}
	}
	for _, v := range []uint32{0, 0x00000082, 0x80800082, 0x7f7f7f7f} {
		if got := index.DecodeSize(v); got != 0 {
			t.Errorf("DecodeSize(%#x) = %d, want 0 (unfinished)", v, got)
		}
	}
}

func TestHeaderRoundTrip(t *testing.T) {
	m := index.Map{Hdr: index.Header{Major: 7, Minor: 3, BaseHeaderSize: 120, HeaderSize: 120,
		RecordSize: 8, CompatFlags: 1, IndexID: 1700000000, UIDValidity: 42, NextUID: 5,
		LogFileSeq: 3, LogFileHeadOffset: 40, DayFirstUID: [8]uint32{1, 2}}}
	b := m.Hdr.Marshal()
	if len(b) != index.BaseHeaderSize || b[0] != 7 || b[12] != 1 {
		t.Fatalf("header bytes % x", b[:16])
	}
	got, err := index.ParseHeader(b)
	if err != nil || got != m.Hdr {
		t.Fatalf("ParseHeader = %+v, %v", got, err)
	}
	b[12] = 0 // big-endian writer
	if _, err := index.ParseHeader(b); err == nil || err.Error() != "CPU architecture changed" {
		t.Errorf("big-endian header: %v", err)
	}
	lh := index.LogHeader{Major: 1, Minor: 3, HdrSize: 40, IndexID: 9, FileSeq: 2, PrevFileSeq: 1,
		PrevFileOffset: 1234, CreateStamp: 77, InitialModseq: 1, CompatFlags: 1}
	lb := lh.Marshal()
	if len(lb) != index.LogHeaderSize {
		t.Fatalf("log header is %d bytes", len(lb))
	}
	if got, err := index.ParseLogHeader(lb); err != nil || got != lh {
		t.Errorf("ParseLogHeader = %+v, %v", got, err)
	}
}

func TestChangesRoundTrip(t *testing.T) {
	c := index.Changes{
		Appends:  []index.Record{{UID: 4, Flags: index.ToMail(mailstore.Seen)}, {UID: 5}},
		Flags:    []index.FlagUpdate{{UID1: 1, UID2: 3, Add: 8, Remove: 2}},
		Expunges: []index.Expunge{{UID: 2, GUID: [16]byte{1, 2, 3}}},
		External: true,
	}
	c.SetHeader32(index.OffNextUID, 6)
	c.Header = append(c.Header, index.HeaderUpdate{Offset: 80, Data: []byte{1, 2}})
	b := c.Encode()
	if len(b)%4 != 0 {
		t.Fatalf("transaction of %d bytes is not 4-aligned", len(b))
	}
	if total := uint32(b[8]) | uint32(b[9])<<8; int(total) != len(b) {
		t.Errorf("boundary says %d bytes, transaction has %d", total, len(b))
	}
	// Dovecot 2.3.19 reads the size word big-endian
	// (mail_index_uint32_to_offset ends in cpu32_to_be), and flags every
	// boundary EXTERNAL.
	if !bytes.Equal(b[:8], []byte{0x80, 0x80, 0x80, 0x83, 0x00, 0x00, 0x08, 0x10}) {
		t.Errorf("boundary record header % x, want 80 80 80 83 00 00 08 10", b[:8])
	}
	got, err := index.DecodeChanges(b)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got.Encode(), b) {
		t.Errorf("re-encoding differs:\n% x\n% x", got.Encode(), b)
	}
	if len(got.Appends) != 2 || got.Flags[0] != c.Flags[0] || got.Expunges[0] != c.Expunges[0] || len(got.Header) != 2 {
		t.Errorf("decoded %+v", got)
	}
}

func TestFlagsMapping(t *testing.T) {
	for f := mailstore.Flags(0); f < 32; f++ {
		if got := index.FromMail(index.ToMail(f)); got != f {
			t.Errorf("flags %v -> %v", f, got)
		}
	}
	if index.ToMail(mailstore.Seen) != 0x08 || index.ToMail(mailstore.Answered) != 0x01 {
		t.Error("bits differ from enum mail_flags")
	}
}

// A single-record transaction is written without a boundary, as
// mail_transaction_log_append_locked drops it for 0-1 changes; the bytes
// are what Dovecot 2.3.19 writes for an external append of UID 7 (Seen).
func TestSingleRecordHasNoBoundary(t *testing.T) {
	c := index.Changes{Appends: []index.Record{{UID: 7, Flags: index.ToMail(mailstore.Seen)}}, External: true}
	want := []byte{0x80, 0x80, 0x80, 0x84, 0x02, 0x00, 0x00, 0x10, 7, 0, 0, 0, 0x08, 0, 0, 0}
	if got := c.Encode(); !bytes.Equal(got, want) {
		t.Errorf("Encode = % x\nwant     % x", got, want)
	}
	got, err := index.DecodeChanges(want)
	if err != nil || !got.External || len(got.Appends) != 1 || got.Appends[0].UID != 7 {
		t.Errorf("DecodeChanges = %+v, %v", got, err)
	}
	c.External = false
	if got, _ := index.DecodeChanges(c.Encode()); got.External {
		t.Error("a non-external record decoded as external")
	}
}
