package index

import (
	"encoding/binary"
	"fmt"

	"github.com/nfsmail/nfsmail/mailstore"
)

// TxType is enum mail_transaction_type.
type TxType uint32

// Transaction record types and flags.
const (
	TxExpunge      TxType = 0x00000001
	TxAppend       TxType = 0x00000002
	TxFlagUpdate   TxType = 0x00000004
	TxHeaderUpdate TxType = 0x00000020
	TxExpungeGUID  TxType = 0x00002000
	TxBoundary     TxType = 0x00080000
	txTypeMask     TxType = 0x0fffffff
	// TxExpungeProt must be ORed into expunge records; without it a reader
	// assumes a corrupted log rather than expunge mail.
	TxExpungeProt TxType = 0x0000cd90
	// TxExternal: the change was already done in the backend (a sync).
	TxExternal TxType = 0x10000000
)

// FlagUpdate is struct mail_transaction_flag_update for UIDs UID1..UID2.
type FlagUpdate struct {
	UID1, UID2  mailstore.UID
	Add, Remove uint8
}

// Expunge is struct mail_transaction_expunge_guid.
type Expunge struct {
	UID  mailstore.UID
	GUID [16]byte
}

// HeaderUpdate is struct mail_transaction_header_update: Data written at
// Offset of the index header.
type HeaderUpdate struct {
	Offset uint16
	Data   []byte
}

// Changes is one transaction's content, in the order Dovecot exports it.
type Changes struct {
	Appends  []Record
	Flags    []FlagUpdate
	Expunges []Expunge
	Header   []HeaderUpdate
	// Exts are extension changes (intros, header and record updates).
	Exts []ExtUpdate
	// Keywords are keyword additions and removals; KeywordResets clear
	// all keywords of their messages.
	Keywords      []KeywordUpdate
	KeywordResets []UIDRange
	// External marks changes the backend already made (sync transactions).
	External bool
}

// Empty reports whether c changes nothing.
func (c *Changes) Empty() bool {
	return len(c.Appends)+len(c.Flags)+len(c.Expunges)+len(c.Header)+len(c.Exts)+
		len(c.Keywords)+len(c.KeywordResets) == 0
}

// SetHeader32 queues a header update of one uint32 field.
func (c *Changes) SetHeader32(off uint16, v uint32) {
	b := binary.LittleEndian.AppendUint32(nil, v)
	c.Header = append(c.Header, HeaderUpdate{Offset: off, Data: b})
}

// types is the union of record types in c, for the fsync mask.
func (c *Changes) types() TxType {
	var t TxType
	if len(c.Appends) > 0 {
		t |= TxAppend
	}
	if len(c.Flags) > 0 {
		t |= TxFlagUpdate
	}
	if len(c.Expunges) > 0 {
		t |= TxExpungeGUID
	}
	if len(c.Header) > 0 {
		t |= TxHeaderUpdate
	}
	if len(c.Keywords)+len(c.KeywordResets) > 0 {
		t |= TxKeywordUpdate
	}
	return t
}

// Encode frames c as Dovecot writes one transaction
// (mail_transaction_log_append_locked): a BOUNDARY record (always flagged
// EXTERNAL) giving the total size, then one record per change type, each
// size in the 7-bit encoding stored big-endian and data padded to 4
// bytes. A transaction of a single record is written without the boundary.
func (c *Changes) Encode() []byte {
	ext := TxType(0)
	if c.External {
		ext = TxExternal
	}
	var body []byte
	n := 0
	add := func(typ TxType, d []byte) {
		body = appendRecord(body, typ|ext, d)
		n++
	}
	encodeExtHeads(c.Exts, add)
	if len(c.Appends) > 0 {
		d := make([]byte, RecordSize*len(c.Appends))
		for i, r := range c.Appends {
			putRecord(d[i*RecordSize:], r)
		}
		add(TxAppend, d)
	}
	if len(c.Flags) > 0 {
		var d []byte
		for _, u := range c.Flags {
			d = binary.LittleEndian.AppendUint32(d, uint32(u.UID1))
			d = binary.LittleEndian.AppendUint32(d, uint32(u.UID2))
			d = append(d, u.Add, u.Remove, 0, 0)
		}
		add(TxFlagUpdate, d)
	}
	encodeExtRecs(c.Exts, add)
	encodeKeywords(c, add)
	if len(c.Expunges) > 0 {
		var d []byte
		for _, e := range c.Expunges {
			d = binary.LittleEndian.AppendUint32(d, uint32(e.UID))
			d = append(d, e.GUID[:]...)
		}
		add(TxExpungeGUID|TxExpungeProt, d)
	}
	if len(c.Header) > 0 {
		var d []byte
		for _, h := range c.Header {
			d = binary.LittleEndian.AppendUint16(d, h.Offset)
			d = binary.LittleEndian.AppendUint16(d, uint16(len(h.Data)))
			d = append(d, h.Data...)
			d = pad4(d)
		}
		add(TxHeaderUpdate, d)
	}
	if n <= 1 {
		return body
	}
	total := uint32(txHeaderSize + 4 + len(body))
	out := appendRecord(nil, TxBoundary|TxExternal, binary.LittleEndian.AppendUint32(nil, total))
	return append(out, body...)
}

// tailUpdate is the record a sync transaction ends with
// (log_append_sync_offset_if_needed): an EXTERNAL header update setting
// log_file_tail_offset to the end of the record itself, outside the
// boundary.
func tailUpdate(end uint32) []byte {
	d := binary.LittleEndian.AppendUint16(nil, OffLogTailOffset)
	d = binary.LittleEndian.AppendUint16(d, 4)
	d = binary.LittleEndian.AppendUint32(d, end)
	return appendRecord(nil, TxHeaderUpdate|TxExternal, d)
}

// tailUpdateSize is len(tailUpdate(x)).
const tailUpdateSize = txHeaderSize + 8

func pad4(b []byte) []byte {
	for len(b)%4 != 0 {
		b = append(b, 0)
	}
	return b
}

func appendRecord(b []byte, typ TxType, data []byte) []byte {
	data = pad4(data)
	b = binary.BigEndian.AppendUint32(b, EncodeSize(uint32(txHeaderSize+len(data))))
	b = binary.LittleEndian.AppendUint32(b, uint32(typ))
	return append(b, data...)
}

// record is one decoded transaction record.
type record struct {
	typ    TxType
	data   []byte
	offset int64 // of its header in the log file
}

// splitRecord reads the record at b[0:]; size 0 means unfinished.
func splitRecord(b []byte) (size uint32, typ TxType) {
	if len(b) < txHeaderSize {
		return 0, 0
	}
	return DecodeSize(binary.BigEndian.Uint32(b)), TxType(binary.LittleEndian.Uint32(b[4:]))
}

// DecodeChanges parses the records of one transaction (as Encode wrote
// them, boundary included) back into Changes; for tests and tools.
func DecodeChanges(b []byte) (Changes, error) {
	var c Changes
	for len(b) > 0 {
		size, typ := splitRecord(b)
		if size < txHeaderSize || int(size) > len(b) {
			return c, fmt.Errorf("record size invalid (%d)", size)
		}
		if err := c.add(record{typ: typ, data: b[txHeaderSize:size]}); err != nil {
			return c, err
		}
		b = b[size:]
	}
	return c, nil
}

// add decodes one record into c.
func (c *Changes) add(r record) error {
	le := binary.LittleEndian
	d := r.data
	t := r.typ & txTypeMask
	if t != TxBoundary { // boundaries are always flagged EXTERNAL
		c.External = c.External || r.typ&TxExternal != 0
	}
	switch {
	case t == TxBoundary:
	case isExtType(t):
		return c.addExt(t, d)
	case t == TxKeywordUpdate || t == TxKeywordReset:
		return c.addKeywordRecord(t, d)
	case t == TxAppend:
		if len(d)%RecordSize != 0 {
			return fmt.Errorf("Invalid record size (type=0x%x)", uint32(t))
		}
		for ; len(d) > 0; d = d[RecordSize:] {
			c.Appends = append(c.Appends, getRecord(d))
		}
	case t == TxFlagUpdate:
		if len(d)%12 != 0 {
			return fmt.Errorf("Invalid record size (type=0x%x)", uint32(t))
		}
		for ; len(d) > 0; d = d[12:] {
			c.Flags = append(c.Flags, FlagUpdate{UID1: mailstore.UID(le.Uint32(d)),
				UID2: mailstore.UID(le.Uint32(d[4:])), Add: d[8], Remove: d[9]})
		}
	case t&^TxExpungeProt == TxExpungeGUID:
		if t&TxExpungeProt != TxExpungeProt || len(d)%20 != 0 {
			return fmt.Errorf("Invalid record size (type=0x%x)", uint32(t))
		}
		for ; len(d) > 0; d = d[20:] {
			var e Expunge
			e.UID = mailstore.UID(le.Uint32(d))
			copy(e.GUID[:], d[4:20])
			c.Expunges = append(c.Expunges, e)
		}
	case t == TxHeaderUpdate:
		for len(d) >= 4 {
			off, n := le.Uint16(d), int(le.Uint16(d[2:]))
			if 4+n > len(d) {
				return fmt.Errorf("Invalid record size (type=0x%x)", uint32(t))
			}
			c.Header = append(c.Header, HeaderUpdate{Offset: off, Data: append([]byte(nil), d[4:4+n]...)})
			d = d[min(len(d), (4+n+3)&^3):]
		}
	default:
		return fmt.Errorf("Unknown transaction record type 0x%x", uint32(t))
	}
	return nil
}
