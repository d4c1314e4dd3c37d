package index

import (
	"encoding/binary"
	"fmt"
	"slices"
)

// Extension limits (mail-index-private.h).
const (
	extHeaderSize   = 16 // sizeof(struct mail_index_ext_header)
	extNameMax      = 64 // MAIL_INDEX_EXT_NAME_MAX_LENGTH
	extHdrMaxSize   = 1024*1024*16 - 1
	extRecordMaxLen = 32768
)

// Ext is one extension of the index (struct mail_index_ext): a named
// header area stored after the base header and, when RecordSize > 0, a
// field at RecordOffset of every record. In dovecot.index each is written
// as struct mail_index_ext_header (16 bytes), the name, padding to 64
// bits, the header data and padding to 64 bits again.
type Ext struct {
	Name    string
	ResetID uint32
	// Hdr is the extension's header data; its length is hdr_size.
	Hdr []byte
	// RecordOffset is the field's offset in a whole record (>= 8, the
	// base uid/flags), chosen by the layout; 0 when RecordSize is 0.
	RecordOffset uint16
	RecordSize   uint16
	RecordAlign  uint16
}

func align8(n int) int { return (n + 7) &^ 7 }

// ExtIndex returns the position of extension name in m.Exts (Dovecot's
// map ext_id, which log records use to name an extension already known).
func (m *Map) ExtIndex(name string) (int, bool) {
	i := slices.IndexFunc(m.Exts, func(e Ext) bool { return e.Name == name })
	return i, i >= 0
}

// ExtHeader returns extension name's header data (do not modify it).
func (m *Map) ExtHeader(name string) ([]byte, bool) {
	if i, ok := m.ExtIndex(name); ok {
		return m.Exts[i].Hdr, true
	}
	return nil, false
}

// Register adds extension name with a zeroed header of hdrSize bytes and
// a zeroed record field of recordSize bytes aligned to recordAlign
// (mail_index_ext_register plus the intro a transaction writes for it),
// or grows an existing one. Diff turns it into EXT_INTRO records.
func (m *Map) Register(name string, hdrSize uint32, recordSize, recordAlign uint16) error {
	in := ExtIntro{ExtID: NoExtID, Name: name, HdrSize: hdrSize, RecordSize: recordSize,
		RecordAlign: recordAlign, Flags: ExtIntroNoShrink}
	if i, ok := m.ExtIndex(name); ok {
		in.ResetID = m.Exts[i].ResetID
	}
	cur, err := m.applyIntro(in)
	if err != nil {
		return err
	}
	if cur.ignore {
		return fmt.Errorf("Broken extension introduction for %s", name)
	}
	return nil
}

// SetExtHeader writes data at off of extension name's header.
func (m *Map) SetExtHeader(name string, off int, data []byte) error {
	i, ok := m.ExtIndex(name)
	if !ok {
		return fmt.Errorf("index: extension %s not registered", name)
	}
	e := &m.Exts[i]
	if off < 0 || off+len(data) > len(e.Hdr) {
		return fmt.Errorf("Extension header update points outside header size")
	}
	e.Hdr = slices.Clone(e.Hdr)
	copy(e.Hdr[off:], data)
	return nil
}

// RecordExt returns record i's field of extension name (zeros when the
// record carries none yet); the slice is a copy.
func (m *Map) RecordExt(i int, name string) []byte {
	x, ok := m.ExtIndex(name)
	if !ok || m.Exts[x].RecordSize == 0 {
		return nil
	}
	return m.Recs[i].extField(m.Exts[x])
}

// SetRecordExt replaces record i's field of extension name with data
// (zero-padded to the field size).
func (m *Map) SetRecordExt(i int, name string, data []byte) error {
	x, ok := m.ExtIndex(name)
	if !ok || m.Exts[x].RecordSize == 0 {
		return fmt.Errorf("index: extension %s has no record field", name)
	}
	if len(data) > int(m.Exts[x].RecordSize) {
		return fmt.Errorf("index: extension %s: record data too large (%d > %d)", name, len(data), m.Exts[x].RecordSize)
	}
	m.Recs[i].setExtField(m.Exts[x], m.extLen(), data)
	return nil
}

// extLen is the number of record bytes after the base record.
func (m *Map) extLen() int {
	if m.Hdr.RecordSize <= RecordSize {
		return 0
	}
	return int(m.Hdr.RecordSize) - RecordSize
}

func (r Record) extField(e Ext) []byte {
	out := make([]byte, e.RecordSize)
	if o := int(e.RecordOffset) - RecordSize; o >= 0 && o < len(r.Ext) {
		copy(out, r.Ext[o:])
	}
	return out
}

// setExtField writes a field copy-on-write: Clone shares Ext slices.
func (r *Record) setExtField(e Ext, extLen int, data []byte) {
	b := make([]byte, max(extLen, len(r.Ext)))
	copy(b, r.Ext)
	o := int(e.RecordOffset) - RecordSize
	clear(b[o : o+int(e.RecordSize)])
	copy(b[o:], data)
	r.Ext = b
}

// checkExt is mail_index_map_ext_hdr_check; recordSize 0 skips the
// checks against the record layout (an intro before the layout).
func checkExt(e Ext, recordSize uint32) error {
	switch {
	case e.RecordSize == 0 && len(e.Hdr) == 0:
		return fmt.Errorf("Invalid field values")
	case !validExtName(e.Name):
		return fmt.Errorf("Invalid name")
	case len(e.Hdr) > extHdrMaxSize:
		return fmt.Errorf("Headersize too large (%d)", len(e.Hdr))
	}
	if e.RecordSize == 0 {
		return nil
	}
	switch {
	case e.RecordAlign == 0:
		return fmt.Errorf("Record field alignment is zero")
	case e.RecordAlign > 8:
		return fmt.Errorf("Record alignment is too large")
	case e.RecordSize >= extRecordMaxLen:
		return fmt.Errorf("Record size is too large")
	case e.RecordOffset == 0 || recordSize == 0:
		return nil
	case uint32(e.RecordOffset)+uint32(e.RecordSize) > recordSize:
		return fmt.Errorf("Record field points outside record size (%d+%d > %d)", e.RecordOffset, e.RecordSize, recordSize)
	case e.RecordOffset%e.RecordAlign != 0:
		return fmt.Errorf("Record field alignment %d not used", e.RecordAlign)
	case recordSize%uint32(e.RecordAlign) != 0:
		return fmt.Errorf("Record size not aligned by %d as required by extension", e.RecordAlign)
	}
	return nil
}

// validExtName is mail_index_ext_name_is_valid.
func validExtName(name string) bool {
	for _, c := range []byte(name) {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == ' ') {
			return false
		}
	}
	return len(name) < extNameMax
}

// marshalExts appends the extension headers to the base header b.
func (m *Map) marshalExts(b []byte) []byte {
	le := binary.LittleEndian
	for _, e := range m.Exts {
		b = append(b, make([]byte, align8(len(b))-len(b))...)
		b = le.AppendUint32(b, uint32(len(e.Hdr)))
		b = le.AppendUint32(b, e.ResetID)
		b = le.AppendUint16(b, e.RecordOffset)
		b = le.AppendUint16(b, e.RecordSize)
		b = le.AppendUint16(b, e.RecordAlign)
		b = le.AppendUint16(b, uint16(len(e.Name)))
		b = append(b, e.Name...)
		b = append(b, make([]byte, align8(len(b))-len(b))...)
		b = append(b, e.Hdr...)
		b = append(b, make([]byte, align8(len(b))-len(b))...)
	}
	return b
}

// parseExts is mail_index_map_parse_extensions over the header bytes.
func parseExts(h Header, hdr []byte) ([]Ext, error) {
	le := binary.LittleEndian
	var exts []Ext
	for off, i := align8(int(h.BaseHeaderSize)), 0; off < int(h.HeaderSize); i++ {
		if off+extHeaderSize >= int(h.HeaderSize) {
			return nil, fmt.Errorf("Header extension #%d () goes outside header", i)
		}
		b := hdr[off:]
		hdrSize, nameSize := int(le.Uint32(b)), int(le.Uint16(b[14:]))
		dataOff := off + align8(extHeaderSize+nameSize)
		name := ""
		if dataOff <= int(h.HeaderSize) {
			name = string(b[extHeaderSize : extHeaderSize+nameSize])
		}
		if dataOff > int(h.HeaderSize) || dataOff+align8(hdrSize) > int(h.HeaderSize) {
			return nil, fmt.Errorf("Header extension #%d (%s) goes outside header", i, name)
		}
		e := Ext{Name: name, ResetID: le.Uint32(b[4:]), Hdr: slices.Clone(hdr[dataOff : dataOff+hdrSize]),
			RecordOffset: le.Uint16(b[8:]), RecordSize: le.Uint16(b[10:]), RecordAlign: le.Uint16(b[12:])}
		if err := checkExt(e, h.RecordSize); err != nil {
			return nil, fmt.Errorf("Broken extension #%d (%s): %v", i, name, err)
		}
		if slices.ContainsFunc(exts, func(x Ext) bool { return x.Name == name }) {
			return nil, fmt.Errorf("Duplicate header extension %s", name)
		}
		exts = append(exts, e)
		off = dataOff + align8(hdrSize)
	}
	return exts, nil
}

// relayout is sync_ext_reorder: fields with the largest alignment first
// from offset 8, the record size a multiple of the largest alignment;
// each record's fields are moved to their new offsets (grown fields keep
// their old bytes, the rest zeros).
func (m *Map) relayout(old []Ext) {
	order := make([]int, len(m.Exts))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return int(m.Exts[b].RecordAlign) - int(m.Exts[a].RecordAlign) })
	placed := make([]bool, len(m.Exts))
	off, maxAlign := RecordSize, 4
	for {
		minAlign, found := 0xffff, -1
		for _, i := range order {
			e := m.Exts[i]
			maxAlign = max(maxAlign, int(e.RecordAlign))
			if placed[i] || e.RecordSize == 0 {
				continue
			}
			if off%int(e.RecordAlign) == 0 {
				found = i
				break
			}
			minAlign = min(minAlign, int(e.RecordAlign))
		}
		if found < 0 {
			if minAlign == 0xffff {
				break
			}
			off += minAlign - off%minAlign
			continue
		}
		placed[found] = true
		m.Exts[found].RecordOffset = uint16(off)
		off += int(m.Exts[found].RecordSize)
	}
	if off%maxAlign != 0 {
		off += maxAlign - off%maxAlign
	}
	for i := range m.Exts {
		if m.Exts[i].RecordSize == 0 {
			m.Exts[i].RecordOffset = 0
		}
	}
	m.Hdr.RecordSize = uint32(off)
	m.moveFields(old)
}

// moveFields copies each record's fields from the old layout to m's.
func (m *Map) moveFields(old []Ext) {
	n := m.extLen()
	for ri := range m.Recs {
		r := &m.Recs[ri]
		if n == 0 {
			r.Ext = nil
			continue
		}
		b := make([]byte, n)
		for i, e := range m.Exts {
			if i >= len(old) || old[i].RecordSize == 0 || e.RecordSize == 0 {
				continue
			}
			f := r.extField(old[i])
			copy(b[int(e.RecordOffset)-RecordSize:], f[:min(len(f), int(e.RecordSize))])
		}
		r.Ext = b
	}
}

// zeroExt is an appended record's extension bytes: all zero.
func (m *Map) zeroExt() []byte {
	if n := m.extLen(); n > 0 {
		return make([]byte, n)
	}
	return nil
}
