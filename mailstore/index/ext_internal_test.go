package index

import (
	"bytes"
	"encoding/binary"
	"reflect"
	"testing"

	"github.com/nfsmail/nfsmail/mailstore"
)

func extMap(t *testing.T) *Map {
	t.Helper()
	m := newMap(7)
	m.Hdr.UIDValidity, m.Hdr.NextUID = 1, 4
	m.Recs = []Record{{UID: 1, Flags: mailSeen}, {UID: 3}}
	for _, r := range []struct {
		name       string
		hdr        uint32
		size, algn uint16
	}{{"dbox-hdr", 24, 0, 0}, {"ref", 0, 2, 2}, {"map", 8, 12, 4}, {"big", 4, 8, 8}} {
		if err := m.Register(r.name, r.hdr, r.size, r.algn); err != nil {
			t.Fatal(err)
		}
	}
	guid := bytes.Repeat([]byte{0xab}, 16)
	if err := m.SetExtHeader("dbox-hdr", 4, guid); err != nil {
		t.Fatal(err)
	}
	if err := m.SetRecordExt(1, "map", []byte{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}); err != nil {
		t.Fatal(err)
	}
	if err := m.SetRecordExt(0, "ref", []byte{2}); err != nil {
		t.Fatal(err)
	}
	m.recount()
	return m
}

// The layout is sync_ext_reorder's: largest alignment first from offset
// 8, record size a multiple of the largest alignment; the file is what
// mail_index_map_parse_extensions reads back.
func TestExtIndexFileRoundTrip(t *testing.T) {
	m := extMap(t)
	off := map[string]uint16{}
	for _, e := range m.Exts {
		off[e.Name] = e.RecordOffset
	}
	if want := map[string]uint16{"dbox-hdr": 0, "big": 8, "map": 16, "ref": 28}; !reflect.DeepEqual(off, want) || m.Hdr.RecordSize != 32 {
		t.Errorf("layout %v record_size %d, want %v 32", off, m.Hdr.RecordSize, want)
	}
	b := m.Marshal()
	le := binary.LittleEndian
	// dbox-hdr: 16-byte ext header, "dbox-hdr", data at 120+24, 24 bytes.
	e := b[BaseHeaderSize:]
	if le.Uint32(e) != 24 || le.Uint16(e[14:]) != 8 || string(e[16:24]) != "dbox-hdr" || e[24+4] != 0xab {
		t.Errorf("dbox-hdr ext header % x", e[:48])
	}
	h, _ := ParseHeader(b)
	if h.RecordSize != 32 || int(h.HeaderSize)+2*32 != len(b) || h.HeaderSize%8 != 0 {
		t.Errorf("header_size %d record_size %d file %d", h.HeaderSize, h.RecordSize, len(b))
	}
	got, err := parseIndex(b)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, m) {
		t.Errorf("parsed\n%+v\nwant\n%+v", got, m)
	}
	if f := got.RecordExt(1, "map"); f[11] != 12 || got.RecordExt(0, "ref")[0] != 2 {
		t.Errorf("record fields %v %v", f, got.RecordExt(0, "ref"))
	}
}

func TestExtIndexFileCorruption(t *testing.T) {
	b := extMap(t).Marshal()
	for _, tc := range []struct {
		name string
		mod  func(b []byte)
		want string
	}{
		{"outside", func(b []byte) { binary.LittleEndian.PutUint32(b[BaseHeaderSize:], 1<<20) }, "goes outside header"},
		{"name", func(b []byte) { b[BaseHeaderSize+16] = '/' }, "Invalid name"},
		{"align", func(b []byte) { // "ref" has record_offset 28: claim align 8
			for i := BaseHeaderSize; i+20 < len(b); i++ {
				if string(b[i:i+3]) == "ref" && b[i-2] == 3 {
					b[i-4] = 8
					return
				}
			}
			panic("no ref")
		}, "Record field alignment 8 not used"},
	} {
		c := bytes.Clone(b)
		tc.mod(c)
		if _, err := parseIndex(c); err == nil || !bytes.Contains([]byte(err.Error()), []byte(tc.want)) {
			t.Errorf("%s: err %v, want %q", tc.name, err, tc.want)
		}
	}
}

// Diff emits Dovecot's export order: intros and header updates before the
// appends, the intro again before each extension's record updates.
func TestExtChangesRoundTrip(t *testing.T) {
	old := newMap(7)
	old.Hdr.UIDValidity, old.Hdr.NextUID = 1, 2
	old.Recs = []Record{{UID: 1}}
	m := extMap(t)
	c := m.Diff(old)
	b := c.Encode()
	var types []TxType
	for p := b; len(p) > 0; {
		size, typ := splitRecord(p)
		types = append(types, typ&txTypeMask)
		p = p[size:]
	}
	want := []TxType{TxBoundary, TxExtIntro, TxExtHdrUpdate, TxExtIntro, TxExtIntro, TxExtIntro,
		TxAppend, TxFlagUpdate, TxExtIntro, TxExtRecUpdate, TxExtIntro, TxExtRecUpdate}
	if !reflect.DeepEqual(types, want) {
		t.Errorf("record types %x\nwant %x", types, want)
	}
	got, err := DecodeChanges(b)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got.Encode(), b) {
		t.Error("re-encoding differs")
	}
	n := old.Clone()
	if errs := n.apply(&got); errs != nil {
		t.Fatal(errs)
	}
	n.Hdr.LogFileSeq, n.Hdr.LogFileHeadOffset = m.Hdr.LogFileSeq, m.Hdr.LogFileHeadOffset
	if !reflect.DeepEqual(n, m) {
		t.Errorf("applied\n%+v\nwant\n%+v", n, m)
	}
	if d := m.Diff(n); !d.Empty() {
		t.Errorf("Diff after apply = %+v", d)
	}
}

func TestExtIncAndReset(t *testing.T) {
	m := extMap(t)
	i, _ := m.ExtIndex("ref")
	in := ExtIntro{ExtID: uint32(i), HdrSize: 0, RecordSize: 2, RecordAlign: 2, Flags: ExtIntroNoShrink}
	c := Changes{Exts: []ExtUpdate{{Intro: in, Incs: []ExtAtomicInc{{UID: 1, Diff: 3}, {UID: 3, Diff: 1}}}}}
	got, err := DecodeChanges(c.Encode())
	if err != nil || len(got.Exts) != 1 || len(got.Exts[0].Incs) != 2 {
		t.Fatalf("decoded %+v, %v", got, err)
	}
	if errs := m.apply(&got); errs != nil {
		t.Fatal(errs)
	}
	if a, b := m.RecordExt(0, "ref"), m.RecordExt(1, "ref"); a[0] != 5 || b[0] != 1 {
		t.Errorf("after inc: %v %v", a, b)
	}
	c = Changes{Exts: []ExtUpdate{{Intro: in, Incs: []ExtAtomicInc{{UID: 3, Diff: -2}}}}}
	if errs := m.apply(&c); len(errs) != 1 || !bytes.Contains([]byte(errs[0].Error()), []byte("below zero")) {
		t.Errorf("dec below zero: %v", errs)
	}
	c = Changes{Exts: []ExtUpdate{{Intro: in, Reset: &ExtReset{NewResetID: 9}}}}
	got, _ = DecodeChanges(c.Encode())
	if errs := m.apply(&got); errs != nil {
		t.Fatal(errs)
	}
	if m.Exts[i].ResetID != 9 || m.RecordExt(0, "ref")[0] != 0 || m.RecordExt(1, "map")[0] != 1 {
		t.Errorf("after reset: %+v", m.Exts[i])
	}
	bad := Changes{Exts: []ExtUpdate{{Intro: ExtIntro{ExtID: 42, HdrSize: 4}}}}
	if errs := m.apply(&bad); len(errs) != 1 {
		t.Errorf("unknown id: %v", errs)
	}
	_ = mailstore.UID(0)
}
