package mdbox

import (
	"encoding/binary"
	"slices"

	"github.com/nfsmail/nfsmail/mailstore/index"
)

// ext is the engine's view of an index's mdbox extensions as numbers: the
// header words and, per UID, the record words. layout says where Dovecot
// keeps them; the index carries them, so a change travels in the same log
// transaction as the records it describes.
type ext struct {
	hdr  []uint32
	recs map[uint32][]uint32
}

// layout maps an ext's words to index extensions (mail_index_ext_register
// in mdbox-map.c and mdbox-storage.c).
type layout struct {
	hdrExt  string // the extension whose header starts with the header words
	hdrSize uint32
	nhdr    int
	fields  []field
	nrec    int
}

// field is one record extension holding some of a record's words, each a
// little-endian uint32 (or uint16 when the field is 2 bytes), or the
// big-endian words of a GUID's bytes.
type field struct {
	name        string
	hdrSize     uint32 // when the same extension also has the header
	size, align uint16
	words       []int
	guid        bool
}

// mapLayout: "map" {highest_file_id, rebuild_count} with records {file_id,
// offset, size}, and "ref" {refcount u16}.
var mapLayout = layout{hdrExt: "map", hdrSize: 8, nhdr: mapHdrLen, nrec: mapRecLen, fields: []field{
	{name: "map", hdrSize: 8, size: 12, align: 4, words: []int{0, 1, 2}},
	{name: "ref", size: 2, align: 2, words: []int{3}},
}}

// boxLayout: "mdbox-hdr" (struct mdbox_index_header: map_uid_validity,
// mailbox_guid, flags), "mdbox" records {map_uid, save_date} and the
// message GUID in "guid".
var boxLayout = layout{hdrExt: "mdbox-hdr", hdrSize: 24, nhdr: boxHdrLen, nrec: boxRecLen, fields: []field{
	{name: "mdbox", size: 8, align: 4, words: []int{0}},
	{name: "guid", size: 16, align: 1, words: []int{1, 2, 3, 4}, guid: true},
}}

func newExt(nhdr int) *ext {
	return &ext{hdr: make([]uint32, nhdr), recs: map[uint32][]uint32{}}
}

func (e *ext) clone() *ext {
	c := newExt(len(e.hdr))
	copy(c.hdr, e.hdr)
	for k, v := range e.recs {
		c.recs[k] = slices.Clone(v)
	}
	return c
}

// read decodes m's extensions; ok is false when m has records but not
// the header extension (Dovecot's "missing map extension").
func (l layout) read(m *index.Map) (e *ext, ok bool) {
	e = newExt(l.nhdr)
	h, have := m.ExtHeader(l.hdrExt)
	for i := range e.hdr {
		if 4*i+4 <= len(h) {
			e.hdr[i] = binary.LittleEndian.Uint32(h[4*i:])
		}
	}
	for i, r := range m.Recs {
		words := make([]uint32, l.nrec)
		for _, f := range l.fields {
			b := m.RecordExt(i, f.name)
			for j, w := range f.words {
				switch {
				case len(b) == 2:
					words[w] = uint32(binary.LittleEndian.Uint16(b))
				case f.guid && len(b) >= 4*j+4:
					words[w] = binary.BigEndian.Uint32(b[4*j:])
				case len(b) >= 4*j+4:
					words[w] = binary.LittleEndian.Uint32(b[4*j:])
				}
			}
		}
		e.recs[uint32(r.UID)] = words
	}
	return e, have || len(m.Recs) == 0
}

// write puts e into m: the extensions registered, the header words set
// and every record's fields written from its words (zeros without any).
func (l layout) write(e *ext, m *index.Map) error {
	hdrToo := false
	for _, f := range l.fields {
		if err := m.Register(f.name, f.hdrSize, f.size, f.align); err != nil {
			return err
		}
		hdrToo = hdrToo || f.name == l.hdrExt
	}
	if !hdrToo {
		if err := m.Register(l.hdrExt, l.hdrSize, 0, 0); err != nil {
			return err
		}
	}
	var h []byte
	for _, w := range e.hdr {
		h = binary.LittleEndian.AppendUint32(h, w)
	}
	if err := m.SetExtHeader(l.hdrExt, 0, h); err != nil {
		return err
	}
	for i, r := range m.Recs {
		words := e.recs[uint32(r.UID)]
		for _, f := range l.fields {
			b := make([]byte, f.size)
			for j, w := range f.words {
				var v uint32
				if w < len(words) {
					v = words[w]
				}
				switch {
				case f.size == 2:
					binary.LittleEndian.PutUint16(b, uint16(v))
				case f.guid:
					binary.BigEndian.PutUint32(b[4*j:], v)
				default:
					binary.LittleEndian.PutUint32(b[4*j:], v)
				}
			}
			if err := m.SetRecordExt(i, f.name, b); err != nil {
				return err
			}
		}
	}
	return nil
}

// firstUID is the first record's UID, for "map uid lost" messages.
func firstUID(m *index.Map) uint32 {
	if len(m.Recs) == 0 {
		return 0
	}
	return uint32(m.Recs[0].UID)
}
