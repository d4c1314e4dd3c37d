package index

import (
	"encoding/binary"
	"fmt"
	"slices"

	"github.com/nfsmail/nfsmail/mailstore"
)

// Extension record types (enum mail_transaction_type).
const (
	TxExtIntro       TxType = 0x00000040
	TxExtReset       TxType = 0x00000080
	TxExtHdrUpdate   TxType = 0x00000100
	TxExtRecUpdate   TxType = 0x00000200
	TxExtAtomicInc   TxType = 0x00001000
	TxExtHdrUpdate32 TxType = 0x00010000
)

// NoExtID in ExtIntro.ExtID introduces an extension by name.
const NoExtID = ^uint32(0)

// ExtIntroNoShrink is MAIL_TRANSACTION_EXT_INTRO_FLAG_NO_SHRINK: the
// intro may grow the extension but never shrinks it.
const ExtIntroNoShrink = 0x01

const extIntroSize = 20 // sizeof(struct mail_transaction_ext_intro)

// ExtIntro is struct mail_transaction_ext_intro: which extension the
// following extension records of the transaction change, and its sizes.
// ExtID is the extension's position in the writer's map, or NoExtID with
// Name for one the map does not have yet. An intro made by Diff keeps its
// Name with an ExtID too, so a commit can bind it to the map it is
// written against (bindExts); only a NoExtID intro writes the name.
type ExtIntro struct {
	ExtID       uint32
	ResetID     uint32
	HdrSize     uint32
	RecordSize  uint16
	RecordAlign uint16
	Flags       uint16
	Name        string
}

// ExtHdrUpdate is struct mail_transaction_ext_hdr_update(32): Data written
// at Offset of the extension's header.
type ExtHdrUpdate struct {
	Offset uint32
	Data   []byte
}

// ExtRecUpdate is struct mail_transaction_ext_rec_update: UID's field.
type ExtRecUpdate struct {
	UID  mailstore.UID
	Data []byte
}

// ExtAtomicInc is struct mail_transaction_ext_atomic_inc.
type ExtAtomicInc struct {
	UID  mailstore.UID
	Diff int32
}

// ExtReset is struct mail_transaction_ext_reset.
type ExtReset struct {
	NewResetID   uint32
	PreserveData bool
}

// ExtUpdate is one extension's changes: its intro, then an optional
// reset, header updates, record updates and increments. Encode writes the
// intro, reset and header updates before the appends and repeats the
// intro before the record changes after them, as Dovecot exports.
type ExtUpdate struct {
	Intro   ExtIntro
	Reset   *ExtReset
	Header  []ExtHdrUpdate
	Records []ExtRecUpdate
	Incs    []ExtAtomicInc
}

func encodeIntro(in ExtIntro) []byte {
	le := binary.LittleEndian
	d := le.AppendUint32(nil, in.ExtID)
	d = le.AppendUint32(d, in.ResetID)
	d = le.AppendUint32(d, in.HdrSize)
	d = le.AppendUint16(d, in.RecordSize)
	d = le.AppendUint16(d, in.RecordAlign)
	d = le.AppendUint16(d, in.Flags)
	name := in.Name
	if in.ExtID != NoExtID {
		name = ""
	}
	d = le.AppendUint16(d, uint16(len(name)))
	return pad4(append(d, name...))
}

// encodeExtHeads writes intros, resets and header updates.
func encodeExtHeads(exts []ExtUpdate, add func(TxType, []byte)) {
	le := binary.LittleEndian
	for _, e := range exts {
		if e.Reset == nil && len(e.Header) == 0 && len(e.Records)+len(e.Incs) > 0 {
			continue
		}
		add(TxExtIntro, encodeIntro(e.Intro))
		if e.Reset != nil {
			d := le.AppendUint32(nil, e.Reset.NewResetID)
			p := byte(0)
			if e.Reset.PreserveData {
				p = 1
			}
			add(TxExtReset, append(d, p, 0, 0, 0))
		}
		if len(e.Header) == 0 {
			continue
		}
		wide := slices.ContainsFunc(e.Header, func(h ExtHdrUpdate) bool { return int(h.Offset)+len(h.Data) >= 65536 })
		var d []byte
		for _, h := range e.Header {
			if wide {
				d = le.AppendUint32(le.AppendUint32(d, h.Offset), uint32(len(h.Data)))
			} else {
				d = le.AppendUint16(le.AppendUint16(d, uint16(h.Offset)), uint16(len(h.Data)))
			}
			d = pad4(append(d, h.Data...))
		}
		typ := TxExtHdrUpdate
		if wide {
			typ = TxExtHdrUpdate32
		}
		add(typ, d)
	}
}

// encodeExtRecs writes, per extension, the intro again and the record
// updates and increments.
func encodeExtRecs(exts []ExtUpdate, add func(TxType, []byte)) {
	le := binary.LittleEndian
	for _, e := range exts {
		if len(e.Records) > 0 {
			add(TxExtIntro, encodeIntro(e.Intro))
			var d []byte
			for _, u := range e.Records {
				d = le.AppendUint32(d, uint32(u.UID))
				f := make([]byte, e.Intro.RecordSize)
				copy(f, u.Data)
				d = pad4(append(d, f...))
			}
			add(TxExtRecUpdate, d)
		}
		if len(e.Incs) > 0 {
			add(TxExtIntro, encodeIntro(e.Intro))
			var d []byte
			for _, u := range e.Incs {
				d = le.AppendUint32(le.AppendUint32(d, uint32(u.UID)), uint32(u.Diff))
			}
			add(TxExtAtomicInc, d)
		}
	}
}

func isExtType(t TxType) bool {
	switch t & txTypeMask {
	case TxExtIntro, TxExtReset, TxExtHdrUpdate, TxExtHdrUpdate32, TxExtRecUpdate, TxExtAtomicInc:
		return true
	}
	return false
}

// bindExts points c's intros at m, the map the commit is written
// against: the position of a named extension m has, else the name, as
// log_append_ext_intro looks the extension up in the index's map once the
// commit has mapped the log to its head. A map another process (or a
// reset) restarted meanwhile has other positions than the one c was made
// from, and a stale position reads as "Extension introduction for unknown
// id" or as another extension.
func (c *Changes) bindExts(m *Map) {
	if len(c.Exts) == 0 {
		return
	}
	c.Exts = slices.Clone(c.Exts)
	for i := range c.Exts {
		in := &c.Exts[i].Intro
		if in.Name == "" {
			continue // decoded by position: there is no name to bind
		}
		in.ExtID = NoExtID
		if x, ok := m.ExtIndex(in.Name); ok {
			in.ExtID = uint32(x)
		}
	}
}

// addExt decodes one extension record into c: an intro starts a new
// ExtUpdate, the others extend the last one (Dovecot's "without intro
// prefix" errors when there is none).
func (c *Changes) addExt(t TxType, d []byte) error {
	le := binary.LittleEndian
	if t == TxExtIntro {
		for i := 0; i+extIntroSize <= len(d); {
			n := int(le.Uint16(d[i+18:]))
			if i+extIntroSize+n > len(d) {
				return fmt.Errorf("ext intro: name_size too large")
			}
			c.Exts = append(c.Exts, ExtUpdate{Intro: ExtIntro{ExtID: le.Uint32(d[i:]), ResetID: le.Uint32(d[i+4:]),
				HdrSize: le.Uint32(d[i+8:]), RecordSize: le.Uint16(d[i+12:]), RecordAlign: le.Uint16(d[i+14:]),
				Flags: le.Uint16(d[i+16:]), Name: string(d[i+extIntroSize : i+extIntroSize+n])}})
			i = (i + extIntroSize + n + 3) &^ 3
		}
		return nil
	}
	if len(c.Exts) == 0 {
		switch t {
		case TxExtReset:
			return fmt.Errorf("Extension reset without intro prefix")
		case TxExtHdrUpdate, TxExtHdrUpdate32:
			return fmt.Errorf("Extension header update without intro prefix")
		}
		return fmt.Errorf("Extension record updated without intro prefix")
	}
	e := &c.Exts[len(c.Exts)-1]
	switch t {
	case TxExtReset:
		if len(d) < 4 {
			return fmt.Errorf("ext reset: invalid record size")
		}
		e.Reset = &ExtReset{NewResetID: le.Uint32(d), PreserveData: len(d) > 4 && d[4] != 0}
	case TxExtHdrUpdate, TxExtHdrUpdate32:
		hs := 4
		if t == TxExtHdrUpdate32 {
			hs = 8
		}
		for i := 0; i < len(d); {
			if i+hs > len(d) {
				return fmt.Errorf("ext hdr update: invalid record size")
			}
			off, n := uint32(le.Uint16(d[i:])), int(le.Uint16(d[i+2:]))
			if hs == 8 {
				off, n = le.Uint32(d[i:]), int(le.Uint32(d[i+4:]))
			}
			if n < 0 || i+hs+n > len(d) {
				return fmt.Errorf("ext hdr update: invalid record size")
			}
			e.Header = append(e.Header, ExtHdrUpdate{Offset: off, Data: slices.Clone(d[i+hs : i+hs+n])})
			i = (i + hs + n + 3) &^ 3
		}
	case TxExtRecUpdate:
		stride := (4 + int(e.Intro.RecordSize) + 3) &^ 3
		for i := 0; i < len(d); i += stride {
			if i+stride > len(d) {
				return fmt.Errorf("ext rec update: invalid record size")
			}
			e.Records = append(e.Records, ExtRecUpdate{UID: mailstore.UID(le.Uint32(d[i:])),
				Data: slices.Clone(d[i+4 : i+4+int(e.Intro.RecordSize)])})
		}
	case TxExtAtomicInc:
		for i := 0; i+8 <= len(d); i += 8 {
			e.Incs = append(e.Incs, ExtAtomicInc{UID: mailstore.UID(le.Uint32(d[i:])), Diff: int32(le.Uint32(d[i+4:]))})
		}
	}
	return nil
}
