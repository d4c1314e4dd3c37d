package index_test

import (
	"encoding/binary"
	"reflect"
	"slices"
	"testing"

	"github.com/nfsmail/nfsmail/mailstore"
	"github.com/nfsmail/nfsmail/mailstore/index"
)

// Keywords set by one process reach another through KEYWORD_UPDATE
// records and a third through dovecot.index's "keywords" extension, with
// Dovecot's header layout; a removal clears the bit and keeps the name.
func TestKeywordsBetweenProcesses(t *testing.T) {
	w := newWorld()
	log := &mailstore.Recorder{}
	a, b := open(t, w.env(1, log, nil)), open(t, w.env(2, log, nil))
	commit := func(change func(m *index.Map)) index.Changes {
		t.Helper()
		s, err := a.Begin()
		if err != nil {
			t.Fatal(err)
		}
		m := s.Map().Clone()
		change(m)
		c := m.Diff(s.Map())
		if err := s.Commit(c); err != nil {
			t.Fatal(err)
		}
		return c
	}
	commit(func(m *index.Map) {
		for u := mailstore.UID(1); u <= 12; u++ {
			m.Recs = append(m.Recs, index.Record{UID: u})
		}
		m.Hdr.UIDValidity, m.Hdr.NextUID = 1, 13
	})
	// Nine keywords fit the field the first one created: one byte for its
	// bit plus the spare byte Dovecot adds to sizes not a multiple of 4.
	names := []string{"$Label1", "$Label2", "$Forwarded", "a", "b", "c", "d", "e", "f"}
	c := commit(func(m *index.Map) {
		for i, n := range names {
			if err := m.SetRecordKeywords(i, []string{n}); err != nil {
				t.Fatal(err)
			}
		}
		_ = m.SetRecordKeywords(10, names[:2])
	})
	if len(c.Keywords) != 9 || len(c.Exts) != 0 {
		t.Fatalf("changes: %d keyword updates, %d ext updates; want 9 and 0", len(c.Keywords), len(c.Exts))
	}
	if got := c.Keywords[0]; got.Name != "$Label1" || !reflect.DeepEqual(got.UIDs, []index.UIDRange{{1, 1}, {11, 11}}) {
		t.Errorf("first update %+v", got)
	}
	commit(func(m *index.Map) { _ = m.SetRecordKeywords(10, []string{"$Label2"}) })

	if err := b.Refresh(); err != nil {
		t.Fatal(err)
	}
	cr := open(t, w.env(3, log, nil))
	for who, m := range map[string]*index.Map{"writer": a.Map(), "log reader": b.Map(), "index reader": cr.Map()} {
		if got := m.Keywords(); !slices.Equal(got, names) {
			t.Errorf("%s: keywords %q", who, got)
		}
		for i, n := range names {
			if got := m.RecordKeywords(i); !slices.Equal(got, []string{n}) {
				t.Errorf("%s: uid %d has %q, want %q", who, i+1, got, n)
			}
		}
		if got := m.RecordKeywords(10); !slices.Equal(got, []string{"$Label2"}) {
			t.Errorf("%s: uid 11 has %q", who, got)
		}
		x, _ := m.ExtIndex(index.KeywordsExt)
		e := m.Exts[x]
		if e.RecordSize != 2 || e.RecordAlign != 1 {
			t.Errorf("%s: keywords record %d bytes, align %d; Dovecot uses 2 and 1", who, e.RecordSize, e.RecordAlign)
		}
		if n := binary.LittleEndian.Uint32(e.Hdr); n != 9 {
			t.Errorf("%s: keywords_count %d", who, n)
		}
	}
	noLog(t, log)
}
