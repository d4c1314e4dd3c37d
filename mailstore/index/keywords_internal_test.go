package index

import (
	"slices"
	"testing"
)

// A removal of a keyword the index never had changes nothing, and a
// KEYWORD_RESET clears every keyword of its range.
func TestKeywordRemoveUnknownAndReset(t *testing.T) {
	var m Map
	m.Recs = []Record{{UID: 1}, {UID: 2}}
	m.Hdr.NextUID = 3
	if err := m.SetRecordKeywords(0, []string{"x", "y"}); err != nil {
		t.Fatal(err)
	}
	_ = m.SetRecordKeywords(1, []string{"y"})
	enc := (&Changes{Keywords: []KeywordUpdate{{Remove: true, Name: "z", UIDs: []UIDRange{{1, 2}}}},
		KeywordResets: []UIDRange{{1, 1}}}).Encode()
	c, err := DecodeChanges(enc)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Keywords) != 1 || !c.Keywords[0].Remove || c.Keywords[0].Name != "z" || len(c.KeywordResets) != 1 {
		t.Fatalf("decoded %+v", c)
	}
	if errs := m.apply(&c); len(errs) > 0 {
		t.Fatal(errs)
	}
	if got := m.Keywords(); !slices.Equal(got, []string{"x", "y"}) {
		t.Errorf("keywords %q", got)
	}
	if got := m.RecordKeywords(0); len(got) != 0 {
		t.Errorf("uid 1 keeps %q after the reset", got)
	}
	if got := m.RecordKeywords(1); !slices.Equal(got, []string{"y"}) {
		t.Errorf("uid 2 has %q", got)
	}
}

// The field is sized again whenever the header grows: the first keyword
// makes a 144-byte header and a 2-byte field (its bit and the spare);
// the 15th overflows it (4+15*10 bytes, padded to 156) and resizes the
// header (+128) and the field for 15 keywords
// (2 bytes + the spare), which still holds the 17th.
func TestKeywordFieldGrows(t *testing.T) {
	var m Map
	m.Recs = []Record{{UID: 1}}
	m.Hdr.NextUID = 2
	var names []string
	for i := range 17 {
		names = append(names, string(rune('a'+i)))
	}
	if err := m.SetRecordKeywords(0, names); err != nil {
		t.Fatal(err)
	}
	x, _ := m.ExtIndex(KeywordsExt)
	if n, h := m.Exts[x].RecordSize, len(m.Exts[x].Hdr); n != 3 || h != 156+128 {
		t.Errorf("record field %d bytes, header %d; want 3 and 284", n, h)
	}
	if got := m.RecordKeywords(0); !slices.Equal(got, names) {
		t.Errorf("got %q", got)
	}
}
