package index_test

import (
	"bytes"
	"reflect"
	"testing"

	"github.com/nfsmail/nfsmail/mailstore"
	"github.com/nfsmail/nfsmail/mailstore/index"
)

// An extension registered and filled by one process reaches another
// through the log (EXT_INTRO, EXT_HDR_UPDATE, EXT_REC_UPDATE) and a third
// through dovecot.index (written at the writer's first commit).
func TestExtensionsBetweenProcesses(t *testing.T) {
	w := newWorld()
	log := &mailstore.Recorder{}
	a, b := open(t, w.env(1, log, nil)), open(t, w.env(2, log, nil))
	s, err := a.Begin()
	if err != nil {
		t.Fatal(err)
	}
	m := s.Map().Clone()
	m.Recs = append(m.Recs, index.Record{UID: 1}, index.Record{UID: 2})
	m.Hdr.UIDValidity, m.Hdr.NextUID = 1, 3
	guid := bytes.Repeat([]byte{7}, 16)
	if err := m.Register("dbox-hdr", 24, 0, 0); err != nil {
		t.Fatal(err)
	}
	if err := m.Register("map", 0, 4, 4); err != nil {
		t.Fatal(err)
	}
	_ = m.SetExtHeader("dbox-hdr", 4, guid)
	_ = m.SetRecordExt(1, "map", []byte{42})
	m.Recs = append(m.Recs, index.Record{UID: 3})
	m.Hdr.NextUID = 4
	_ = m.SetRecordExt(2, "map", []byte{43})
	if err := s.Commit(m.Diff(s.Map())); err != nil {
		t.Fatal(err)
	}
	if err := b.Refresh(); err != nil {
		t.Fatal(err)
	}
	check := func(who string, got *index.Map) {
		t.Helper()
		h, ok := got.ExtHeader("dbox-hdr")
		if !ok || len(h) != 24 || !bytes.Equal(h[4:20], guid) {
			t.Errorf("%s: dbox-hdr %v %v", who, h, ok)
		}
		if f := got.RecordExt(1, "map"); len(f) != 4 || f[0] != 42 || got.RecordExt(2, "map")[0] != 43 || got.RecordExt(0, "map")[0] != 0 {
			t.Errorf("%s: map fields %v", who, f)
		}
	}
	check("writer", a.Map())
	check("log reader", b.Map())
	if !reflect.DeepEqual(a.Map().Exts, b.Map().Exts) {
		t.Errorf("exts differ:\n%+v\n%+v", a.Map().Exts, b.Map().Exts)
	}
	// a's first commit wrote dovecot.index up to the log's end.
	c := open(t, w.env(3, log, nil))
	check("index reader", c.Map())
	if !reflect.DeepEqual(a.Map().Recs, c.Map().Recs) {
		t.Errorf("records differ:\n%+v\n%+v", a.Map().Recs, c.Map().Recs)
	}
	noLog(t, log)
}
