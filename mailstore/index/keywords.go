package index

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"slices"

	"github.com/nfsmail/nfsmail/mailstore"
)

// Keyword record types (enum mail_transaction_type).
const (
	TxKeywordUpdate TxType = 0x00000400
	TxKeywordReset  TxType = 0x00000800
)

// KeywordsExt is the extension holding keyword names in its header
// (struct mail_index_keyword_header) and one bit per keyword in each
// record (MAIL_INDEX_EXT_KEYWORDS). Only keyword records of the log
// change it; it never appears in extension records of a transaction.
const KeywordsExt = "keywords"

// UIDRange is a {uid1, uid2} pair of a log record.
type UIDRange struct{ First, Last mailstore.UID }

// KeywordUpdate is struct mail_transaction_keyword_update: add (or, with
// Remove, clear) keyword Name on the messages of UIDs.
type KeywordUpdate struct {
	Remove bool
	Name   string
	UIDs   []UIDRange
}

const (
	kwHeaderSize    = 4 // keywords_count
	kwHeaderRecSize = 8 // struct mail_index_keyword_header_rec
	kwGrowPadding   = 128
)

// Keywords returns the index's keyword names in index order (nil when it
// has none or its header cannot be parsed).
func (m *Map) Keywords() []string {
	names, _ := m.parseKeywords()
	return names
}

// parseKeywords is mail_index_map_parse_keywords.
func (m *Map) parseKeywords() ([]string, error) {
	h, ok := m.ExtHeader(KeywordsExt)
	if !ok || len(h) < kwHeaderSize {
		return nil, nil
	}
	n := int(binary.LittleEndian.Uint32(h))
	root := kwHeaderSize + n*kwHeaderRecSize
	if n < 0 || root > len(h) {
		return nil, fmt.Errorf("Keywords header: count %d too large", n)
	}
	names := make([]string, 0, n)
	for i := range n {
		off := root + int(binary.LittleEndian.Uint32(h[kwHeaderSize+i*kwHeaderRecSize+4:]))
		if off >= len(h) {
			return nil, fmt.Errorf("Keyword %d name_offset points outside header", i)
		}
		end := bytes.IndexByte(h[off:], 0)
		if end < 0 {
			return nil, fmt.Errorf("Keyword %d name not NUL-terminated", i)
		}
		names = append(names, string(h[off:off+end]))
	}
	return names, nil
}

// RecordKeywords returns the keywords set in record i, in index order.
func (m *Map) RecordKeywords(i int) []string {
	return m.recordKeywords(i, m.Keywords())
}

// KeywordsByRecord returns every record's keywords, sorted (nil for
// none), parsing the header once.
func (m *Map) KeywordsByRecord() [][]string {
	names := m.Keywords()
	out := make([][]string, len(m.Recs))
	if len(names) == 0 {
		return out
	}
	for i := range m.Recs {
		out[i] = mailstore.SortKeywords(m.recordKeywords(i, names))
	}
	return out
}

// recordKeywords is RecordKeywords with the header's names parsed once.
func (m *Map) recordKeywords(i int, names []string) []string {
	bits := m.RecordExt(i, KeywordsExt)
	var out []string
	for k, name := range names {
		if k/8 < len(bits) && bits[k/8]&(1<<(k%8)) != 0 {
			out = append(out, name)
		}
	}
	return out
}

// SetRecordKeywords makes record i carry exactly names, adding names the
// index does not know yet to its header.
func (m *Map) SetRecordKeywords(i int, names []string) error {
	for _, n := range names {
		if _, err := m.keywordIndex(n, true); err != nil {
			return err
		}
	}
	known := m.Keywords()
	x, ok := m.ExtIndex(KeywordsExt)
	if !ok {
		return nil // no keywords anywhere, none wanted
	}
	bits := make([]byte, m.Exts[x].RecordSize)
	for k, name := range known {
		if slices.Contains(names, name) {
			bits[k/8] |= 1 << (k % 8)
		}
	}
	return m.SetRecordExt(i, KeywordsExt, bits)
}

// keywordIndex finds name, or with create adds it to the header
// (keywords_header_add) and grows the record bitmask to hold it.
func (m *Map) keywordIndex(name string, create bool) (int, error) {
	names, err := m.parseKeywords()
	if k := slices.Index(names, name); k >= 0 && err == nil {
		return k, m.growKeywordRecords(len(names))
	}
	if !create {
		return -1, nil
	}
	if name == "" || len(name) > 0xffff {
		return -1, fmt.Errorf("Keyword name invalid (%q)", name)
	}
	if err != nil {
		names = nil // replace a broken header
	}
	names = append(names, name)
	buf := binary.LittleEndian.AppendUint32(nil, uint32(len(names)))
	var nameData []byte
	for _, n := range names {
		buf = binary.LittleEndian.AppendUint32(buf, 0)
		buf = binary.LittleEndian.AppendUint32(buf, uint32(len(nameData)))
		nameData = append(append(nameData, n...), 0)
	}
	buf = pad4(append(buf, nameData...))
	x, had := m.ExtIndex(KeywordsExt)
	if !had || len(buf) > len(m.Exts[x].Hdr) || int(m.Exts[x].RecordSize)*8 < len(names) {
		buf = append(buf, make([]byte, kwGrowPadding)...)
		if err := m.introKeywords(uint32(len(buf)), len(names)); err != nil {
			return -1, err
		}
	}
	if err := m.SetExtHeader(KeywordsExt, 0, buf); err != nil {
		return -1, err
	}
	return len(names) - 1, nil
}

// growKeywordRecords fixes a record bitmask too small for count keywords.
func (m *Map) growKeywordRecords(count int) error {
	x, _ := m.ExtIndex(KeywordsExt)
	if int(m.Exts[x].RecordSize)*8 >= count {
		return nil
	}
	return m.introKeywords(uint32(len(m.Exts[x].Hdr)), count)
}

// introKeywords is keywords_ext_register: the record holds one bit per
// keyword, plus a spare byte unless the size is a multiple of 4.
func (m *Map) introKeywords(hdrSize uint32, count int) error {
	recSize := uint16((count + 7) / 8)
	if recSize%4 != 0 {
		recSize++
	}
	in := ExtIntro{ExtID: NoExtID, Name: KeywordsExt, HdrSize: hdrSize, RecordSize: recSize, RecordAlign: 1}
	if x, ok := m.ExtIndex(KeywordsExt); ok {
		in.ResetID = m.Exts[x].ResetID
	}
	_, err := m.applyIntro(in)
	return err
}

// applyKeyword is mail_index_sync_keywords.
func (m *Map) applyKeyword(u KeywordUpdate) error {
	k, err := m.keywordIndex(u.Name, !u.Remove)
	if err != nil || k < 0 {
		return err
	}
	x, _ := m.ExtIndex(KeywordsExt)
	for _, r := range u.UIDs {
		if r.First > r.Last || r.First == 0 {
			return fmt.Errorf("Invalid UID range (%d .. %d)", r.First, r.Last)
		}
		for i, _ := m.Find(r.First); i < len(m.Recs) && m.Recs[i].UID <= r.Last; i++ {
			bits := m.Recs[i].extField(m.Exts[x])
			if u.Remove {
				bits[k/8] &^= 1 << (k % 8)
			} else {
				bits[k/8] |= 1 << (k % 8)
			}
			m.Recs[i].setExtField(m.Exts[x], m.extLen(), bits)
		}
	}
	return nil
}

// applyKeywordReset is mail_index_sync_keywords_reset.
func (m *Map) applyKeywordReset(r UIDRange) {
	x, ok := m.ExtIndex(KeywordsExt)
	if !ok || m.Exts[x].RecordSize == 0 {
		return
	}
	for i, _ := m.Find(r.First); i < len(m.Recs) && m.Recs[i].UID <= r.Last; i++ {
		m.Recs[i].setExtField(m.Exts[x], m.extLen(), nil)
	}
}

// diffKeywords returns the keyword updates turning old's records into
// m's: per keyword of m (in index order, so a reader adds them in the
// same order), the UIDs that gained it, then those that lost it.
func (m *Map) diffKeywords(old *Map) []KeywordUpdate {
	names := m.Keywords()
	if len(names) == 0 {
		return nil
	}
	oldNames := old.Keywords()
	now := make([][]string, len(m.Recs))
	before := make([][]string, len(m.Recs))
	for i, r := range m.Recs {
		now[i] = m.recordKeywords(i, names)
		if j, ok := old.Find(r.UID); ok {
			before[i] = old.recordKeywords(j, oldNames)
		}
	}
	var out []KeywordUpdate
	for _, name := range names {
		var add, rm []mailstore.UID
		for i, r := range m.Recs {
			has, had := slices.Contains(now[i], name), slices.Contains(before[i], name)
			switch {
			case has && !had:
				add = append(add, r.UID)
			case had && !has:
				rm = append(rm, r.UID)
			}
		}
		if len(add) > 0 {
			out = append(out, KeywordUpdate{Name: name, UIDs: ranges(add)})
		}
		if len(rm) > 0 {
			out = append(out, KeywordUpdate{Remove: true, Name: name, UIDs: ranges(rm)})
		}
	}
	return out
}

// ranges folds ascending UIDs into ranges.
func ranges(uids []mailstore.UID) []UIDRange {
	var out []UIDRange
	for _, u := range uids {
		if n := len(out); n > 0 && out[n-1].Last+1 == u {
			out[n-1].Last = u
			continue
		}
		out = append(out, UIDRange{u, u})
	}
	return out
}

// encodeKeywords writes keyword resets, then updates
// (log_append_keyword_update).
func encodeKeywords(c *Changes, add func(TxType, []byte)) {
	le := binary.LittleEndian
	if len(c.KeywordResets) > 0 {
		var d []byte
		for _, r := range c.KeywordResets {
			d = le.AppendUint32(le.AppendUint32(d, uint32(r.First)), uint32(r.Last))
		}
		add(TxKeywordReset, d)
	}
	for _, u := range c.Keywords {
		d := []byte{0, 0}
		if u.Remove {
			d[0] = 1 // MODIFY_REMOVE
		}
		d = le.AppendUint16(d, uint16(len(u.Name)))
		d = pad4(append(d, u.Name...))
		for _, r := range u.UIDs {
			d = le.AppendUint32(le.AppendUint32(d, uint32(r.First)), uint32(r.Last))
		}
		add(TxKeywordUpdate, d)
	}
}

// addKeywordRecord decodes a keyword update or reset record into c.
func (c *Changes) addKeywordRecord(t TxType, d []byte) error {
	le := binary.LittleEndian
	bad := fmt.Errorf("Invalid record size (type=0x%x)", uint32(t))
	var uids []byte
	var u KeywordUpdate
	if t == TxKeywordUpdate {
		if len(d) < 4 {
			return bad
		}
		n := int(le.Uint16(d[2:]))
		start := (4 + n + 3) &^ 3
		if n == 0 || start > len(d) || d[0] > 1 {
			return fmt.Errorf("Keyword update: invalid name size %d or modify type %d", n, d[0])
		}
		u = KeywordUpdate{Remove: d[0] == 1, Name: string(d[4 : 4+n])}
		uids = d[start:]
	} else {
		uids = d
	}
	if len(uids)%8 != 0 {
		return bad
	}
	for ; len(uids) > 0; uids = uids[8:] {
		r := UIDRange{mailstore.UID(le.Uint32(uids)), mailstore.UID(le.Uint32(uids[4:]))}
		if t == TxKeywordReset {
			c.KeywordResets = append(c.KeywordResets, r)
		} else {
			u.UIDs = append(u.UIDs, r)
		}
	}
	if t == TxKeywordUpdate {
		c.Keywords = append(c.Keywords, u)
	}
	return nil
}
