package index

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"slices"
)

// extCursor is the sync's current extension (cur_ext_map_idx,
// cur_ext_ignore, cur_ext_record_size).
type extCursor struct {
	idx     int
	ignore  bool
	recSize uint16
}

// applyIntro is mail_index_sync_ext_intro: find the extension by id or
// name, grow (or, without NO_SHRINK, shrink) it, or add it; the records
// are laid out again when a field changes.
func (m *Map) applyIntro(u ExtIntro) (extCursor, error) {
	cur := extCursor{idx: -1, ignore: true}
	if u.ExtID != NoExtID && int64(u.ExtID) >= int64(len(m.Exts)) {
		return cur, fmt.Errorf("Extension introduction for unknown id %d", u.ExtID)
	}
	if u.ExtID == NoExtID && u.Name == "" {
		return cur, fmt.Errorf("Extension introduction without id or name")
	}
	idx, name := int(u.ExtID), u.Name
	if u.ExtID == NoExtID {
		idx = slices.IndexFunc(m.Exts, func(e Ext) bool { return e.Name == name })
	} else {
		name = m.Exts[idx].Name
	}
	ne := Ext{Name: name, ResetID: u.ResetID, Hdr: make([]byte, u.HdrSize),
		RecordSize: u.RecordSize, RecordAlign: u.RecordAlign}
	if u.HdrSize > extHdrMaxSize {
		ne.Hdr = nil
	}
	if err := checkExt(ne, 0); err != nil || u.HdrSize > extHdrMaxSize {
		if err == nil {
			err = fmt.Errorf("Headersize too large (%d)", u.HdrSize)
		}
		return cur, fmt.Errorf("Broken extension introduction: %v", err)
	}
	cur.recSize = u.RecordSize
	noShrink := u.Flags&ExtIntroNoShrink != 0
	if idx < 0 {
		old := slices.Clone(m.Exts)
		m.Exts = append(m.Exts, ne)
		m.relayout(old)
		return extCursor{idx: len(m.Exts) - 1, recSize: u.RecordSize}, nil
	}
	cur.idx = idx
	if u.ResetID != m.Exts[idx].ResetID {
		return cur, nil // reset meanwhile: ignore this transaction's updates
	}
	cur.ignore = false
	m.resize(idx, u, noShrink)
	return cur, nil
}

// resize is sync_ext_resize.
func (m *Map) resize(idx int, u ExtIntro, noShrink bool) {
	e := m.Exts[idx]
	recChanged := e.RecordAlign != u.RecordAlign || e.RecordSize != u.RecordSize
	oldPad, newPad := align8(len(e.Hdr)), align8(int(u.HdrSize))
	if !recChanged && (newPad < oldPad && noShrink || uint32(len(e.Hdr)) == u.HdrSize) {
		return
	}
	old := slices.Clone(m.Exts)
	if n := int(u.HdrSize); n != len(e.Hdr) && (n > len(e.Hdr) || !noShrink || newPad == oldPad) {
		h := make([]byte, n)
		copy(h, e.Hdr)
		e.Hdr = h
	}
	reorder := false
	if e.RecordAlign < u.RecordAlign || e.RecordAlign > u.RecordAlign && !noShrink {
		e.RecordAlign, reorder = u.RecordAlign, true
	}
	if e.RecordSize < u.RecordSize || e.RecordSize > u.RecordSize && !noShrink {
		e.RecordSize, reorder = u.RecordSize, true
	}
	m.Exts[idx] = e
	if reorder {
		m.relayout(old)
	}
}

// applyExtHeads applies e's reset and header updates at cursor cur.
func (m *Map) applyExtHeads(cur extCursor, e *ExtUpdate) []error {
	var errs []error
	if e.Reset != nil && cur.idx >= 0 {
		x := &m.Exts[cur.idx]
		x.ResetID = e.Reset.NewResetID
		if !e.Reset.PreserveData {
			x.Hdr = make([]byte, len(x.Hdr))
			for i := range m.Recs {
				if x.RecordSize > 0 {
					m.Recs[i].setExtField(*x, m.extLen(), nil)
				}
			}
		}
	}
	if cur.ignore {
		return errs
	}
	for _, h := range e.Header {
		x := &m.Exts[cur.idx]
		if int(h.Offset)+len(h.Data) > len(x.Hdr) {
			errs = append(errs, fmt.Errorf("Extension header update points outside header size"))
			break
		}
		x.Hdr = slices.Clone(x.Hdr)
		copy(x.Hdr[h.Offset:], h.Data)
	}
	return errs
}

// applyExtRecs applies e's record updates and increments.
func (m *Map) applyExtRecs(cur extCursor, e *ExtUpdate) []error {
	if cur.ignore {
		return nil
	}
	x := m.Exts[cur.idx]
	var errs []error
	for _, u := range e.Records {
		if u.UID == 0 || uint32(u.UID) >= m.Hdr.NextUID {
			errs = append(errs, fmt.Errorf("Extension record update for invalid uid=%d", u.UID))
			break
		}
		if i, ok := m.Find(u.UID); ok {
			m.Recs[i].setExtField(x, m.extLen(), u.Data[:min(len(u.Data), int(x.RecordSize))])
		}
	}
	for _, u := range e.Incs {
		if err := m.atomicInc(cur, x, u); err != nil {
			errs = append(errs, err)
			break
		}
	}
	return errs
}

// atomicInc is mail_index_sync_ext_atomic_inc.
func (m *Map) atomicInc(cur extCursor, x Ext, u ExtAtomicInc) error {
	if u.UID == 0 || uint32(u.UID) >= m.Hdr.NextUID {
		return fmt.Errorf("Extension record inc for invalid uid=%d", u.UID)
	}
	i, ok := m.Find(u.UID)
	if !ok {
		return nil
	}
	n := int(cur.recSize)
	if n != 1 && n != 2 && n != 4 && n != 8 {
		return fmt.Errorf("Extension record inc with invalid size=%d", n)
	}
	f := m.Recs[i].extField(x)
	var b [8]byte
	copy(b[:], f[:n])
	orig := binary.LittleEndian.Uint64(b[:])
	maxV := ^uint64(0) >> (64 - 8*n)
	minV := uint64(0)
	if u.Diff < 0 {
		minV = uint64(-int64(u.Diff))
	} else if maxV < uint64(u.Diff) {
		return fmt.Errorf("Extension record inc diff=%d larger than max value=%d (uid=%d)", u.Diff, uint32(maxV), u.UID)
	} else {
		maxV -= uint64(u.Diff)
	}
	switch {
	case orig < minV:
		return fmt.Errorf("Extension record inc drops number below zero (uid=%d, diff=%d, orig=%d)", u.UID, u.Diff, orig)
	case orig > maxV:
		return fmt.Errorf("Extension record inc overflows number (uid=%d, diff=%d, orig=%d)", u.UID, u.Diff, orig)
	}
	binary.LittleEndian.PutUint64(b[:], orig+uint64(int64(u.Diff)))
	m.Recs[i].setExtField(x, m.extLen(), b[:n])
	return nil
}

// diffExts returns the extension changes turning old into m: an intro
// and header updates for new or changed headers, record updates for
// changed fields (appended records included). The keywords extension is
// left to keyword updates.
func (m *Map) diffExts(old *Map) []ExtUpdate {
	var out []ExtUpdate
	for _, e := range m.Exts {
		if e.Name == KeywordsExt {
			continue
		}
		in := ExtIntro{ExtID: NoExtID, Name: e.Name, ResetID: e.ResetID, HdrSize: uint32(len(e.Hdr)),
			RecordSize: e.RecordSize, RecordAlign: e.RecordAlign, Flags: ExtIntroNoShrink}
		oi, had := old.ExtIndex(e.Name)
		var oe Ext
		if had {
			oe = old.Exts[oi]
			in.ExtID = uint32(oi)
		}
		u := ExtUpdate{Intro: in, Header: hdrDiff(oe.Hdr, e.Hdr)}
		reset := had && oe.ResetID != e.ResetID
		if reset {
			// written against the old reset_id, then reset: the fields of
			// every record are zeroed before the record updates below
			u.Intro.ResetID = oe.ResetID
			u.Reset = &ExtReset{NewResetID: e.ResetID}
			u.Header = hdrDiff(make([]byte, len(oe.Hdr)), e.Hdr)
		}
		if u.Header == nil && (reset || !had || uint32(len(oe.Hdr)) != in.HdrSize || oe.RecordSize != e.RecordSize || oe.RecordAlign != e.RecordAlign) {
			u.Header = []ExtHdrUpdate{} // the intro alone
		}
		if u.Header != nil {
			out = append(out, u)
		}
		if e.RecordSize == 0 {
			continue
		}
		r := ExtUpdate{Intro: in}
		for _, rec := range m.Recs {
			f := rec.extField(e)
			var of []byte
			if o, ok := old.Lookup(rec.UID); ok && had && oe.RecordSize > 0 && !reset {
				of = o.extField(oe)
			}
			if !bytes.Equal(padTo(of, len(f)), f) {
				r.Records = append(r.Records, ExtRecUpdate{UID: rec.UID, Data: f})
			}
		}
		if len(r.Records) > 0 {
			out = append(out, r)
		}
	}
	return out
}

func padTo(b []byte, n int) []byte {
	if len(b) >= n {
		return b[:n]
	}
	return append(slices.Clone(b), make([]byte, n-len(b))...)
}

// hdrDiff returns the changed byte ranges of new against old (missing
// old bytes count as zeros), nil when none differ.
func hdrDiff(old, new []byte) []ExtHdrUpdate {
	old = padTo(old, len(new))
	var out []ExtHdrUpdate
	for i := 0; i < len(new); {
		if old[i] == new[i] {
			i++
			continue
		}
		j := i
		for j < len(new) && old[j] != new[j] {
			j++
		}
		out = append(out, ExtHdrUpdate{Offset: uint32(i), Data: slices.Clone(new[i:j])})
		i = j
	}
	return out
}
