package index

import (
	"encoding/binary"
	"fmt"

	"github.com/nfsmail/nfsmail/mailstore"
)

// On-disk versions and sizes (Dovecot 2.3: mail-index-private.h,
// mail-transaction-log.h). Every integer is little-endian, as an x86 host
// writes it (compat flag LITTLE_ENDIAN).
const (
	IndexMajor     = 7
	IndexMinor     = 3
	BaseHeaderSize = 120 // sizeof(struct mail_index_header)
	RecordSize     = 8   // sizeof(struct mail_index_record): uid, flags, 3 pad
	LogMajor       = 1
	LogMinor       = 3
	LogHeaderSize  = 40 // sizeof(struct mail_transaction_log_header)
	logHeaderMin   = 24 // MAIL_TRANSACTION_LOG_HEADER_MIN_SIZE
	txHeaderSize   = 8  // sizeof(struct mail_transaction_header)

	compatLittleEndian = 0x01 // MAIL_INDEX_COMPAT_LITTLE_ENDIAN
)

// Header flags (enum mail_index_header_flag).
const (
	HdrCorrupted uint32 = 0x01
	HdrHaveDirty uint32 = 0x02
	HdrFsckd     uint32 = 0x04
)

// Header is struct mail_index_header, the first 120 bytes of dovecot.index.
type Header struct {
	Major, Minor        uint8
	BaseHeaderSize      uint16
	HeaderSize          uint32
	RecordSize          uint32
	CompatFlags         uint8
	IndexID             uint32
	Flags               uint32
	UIDValidity         uint32
	NextUID             uint32
	MessagesCount       uint32
	SeenMessagesCount   uint32
	DeletedMessages     uint32
	FirstRecentUID      uint32
	FirstUnseenLow      uint32
	FirstDeletedLow     uint32
	LogFileSeq          uint32
	LogFileTailOffset   uint32
	LogFileHeadOffset   uint32
	Log2RotateTime      uint32
	LastTempFileScan    uint32
	DayStamp            uint32
	DayFirstUID         [8]uint32
	unusedRecent, spare uint32
}

// Byte offsets of header fields that transactions update
// (offsetof(struct mail_index_header, ...)).
const (
	OffFlags          = 20
	OffUIDValidity    = 24
	OffNextUID        = 28
	OffFirstRecentUID = 48
	OffLogTailOffset  = 64
	OffLog2RotateTime = 76
	OffLastTempScan   = 80
)

// newHeader returns the header of an empty index.
func newHeader(indexID uint32) Header {
	return Header{
		Major: IndexMajor, Minor: IndexMinor, BaseHeaderSize: BaseHeaderSize,
		HeaderSize: BaseHeaderSize, RecordSize: RecordSize, CompatFlags: compatLittleEndian,
		IndexID: indexID, NextUID: 1, FirstRecentUID: 1,
	}
}

// Marshal encodes h as 120 bytes.
func (h Header) Marshal() []byte {
	b := make([]byte, BaseHeaderSize)
	le := binary.LittleEndian
	b[0], b[1] = h.Major, h.Minor
	le.PutUint16(b[2:], h.BaseHeaderSize)
	le.PutUint32(b[4:], h.HeaderSize)
	le.PutUint32(b[8:], h.RecordSize)
	b[12] = h.CompatFlags
	for i, v := range []uint32{h.IndexID, h.Flags, h.UIDValidity, h.NextUID, h.MessagesCount,
		h.unusedRecent, h.SeenMessagesCount, h.DeletedMessages, h.FirstRecentUID,
		h.FirstUnseenLow, h.FirstDeletedLow, h.LogFileSeq, h.LogFileTailOffset,
		h.LogFileHeadOffset, h.spare, h.Log2RotateTime, h.LastTempFileScan, h.DayStamp} {
		le.PutUint32(b[16+4*i:], v)
	}
	for i, v := range h.DayFirstUID {
		le.PutUint32(b[88+4*i:], v)
	}
	return b
}

// ParseHeader decodes the first 120 bytes of b.
func ParseHeader(b []byte) (Header, error) {
	if len(b) < BaseHeaderSize {
		return Header{}, fmt.Errorf("File too small")
	}
	le := binary.LittleEndian
	h := Header{Major: b[0], Minor: b[1], BaseHeaderSize: le.Uint16(b[2:]),
		HeaderSize: le.Uint32(b[4:]), RecordSize: le.Uint32(b[8:]), CompatFlags: b[12]}
	for i, p := range []*uint32{&h.IndexID, &h.Flags, &h.UIDValidity, &h.NextUID, &h.MessagesCount,
		&h.unusedRecent, &h.SeenMessagesCount, &h.DeletedMessages, &h.FirstRecentUID,
		&h.FirstUnseenLow, &h.FirstDeletedLow, &h.LogFileSeq, &h.LogFileTailOffset,
		&h.LogFileHeadOffset, &h.spare, &h.Log2RotateTime, &h.LastTempFileScan, &h.DayStamp} {
		*p = le.Uint32(b[16+4*i:])
	}
	for i := range h.DayFirstUID {
		h.DayFirstUID[i] = le.Uint32(b[88+4*i:])
	}
	switch {
	case h.Major != IndexMajor:
		return h, fmt.Errorf("Index major version changed (%d -> %d)", h.Major, IndexMajor)
	case h.CompatFlags&compatLittleEndian == 0:
		return h, errArchChanged
	case h.BaseHeaderSize < BaseHeaderSize || h.HeaderSize < uint32(h.BaseHeaderSize):
		return h, fmt.Errorf("Corrupted header sizes (base %d, full %d)", h.BaseHeaderSize, h.HeaderSize)
	case h.RecordSize < RecordSize:
		return h, fmt.Errorf("record_size too small (%d < %d)", h.RecordSize, RecordSize)
	}
	return h, nil
}

var errArchChanged = fmt.Errorf("CPU architecture changed")

// Mail flags as the index stores them (enum mail_flags).
const (
	mailAnswered = 0x01
	mailFlagged  = 0x02
	mailDeleted  = 0x04
	mailSeen     = 0x08
	mailDraft    = 0x10
	// MailDirty is MAIL_INDEX_MAIL_FLAG_DIRTY: the backend lags the index.
	MailDirty = 0x80
)

var flagMap = [...]struct {
	f mailstore.Flags
	m uint8
}{
	{mailstore.Answered, mailAnswered}, {mailstore.Flagged, mailFlagged},
	{mailstore.Deleted, mailDeleted}, {mailstore.Seen, mailSeen}, {mailstore.Draft, mailDraft},
}

// ToMail converts IMAP flags to the index's bits.
func ToMail(f mailstore.Flags) uint8 {
	var m uint8
	for _, x := range flagMap {
		if f&x.f != 0 {
			m |= x.m
		}
	}
	return m
}

// FromMail converts the index's bits to IMAP flags.
func FromMail(m uint8) mailstore.Flags {
	var f mailstore.Flags
	for _, x := range flagMap {
		if m&x.m != 0 {
			f |= x.f
		}
	}
	return f
}

// Record is struct mail_index_record.
type Record struct {
	UID   mailstore.UID
	Flags uint8 // enum mail_flags bits
	// Ext is the rest of the record (record_size-8 bytes: the extension
	// fields; nil without any). Clone shares it: replace, never modify.
	Ext []byte
}

func putRecord(b []byte, r Record) {
	binary.LittleEndian.PutUint32(b, uint32(r.UID))
	b[4] = r.Flags
}

func getRecord(b []byte) Record {
	return Record{UID: mailstore.UID(binary.LittleEndian.Uint32(b)), Flags: b[4]}
}

// LogHeader is struct mail_transaction_log_header (40 bytes).
type LogHeader struct {
	Major, Minor   uint8
	HdrSize        uint16
	IndexID        uint32 // 0: the file is marked corrupted
	FileSeq        uint32
	PrevFileSeq    uint32
	PrevFileOffset uint32
	CreateStamp    uint32
	InitialModseq  uint64
	CompatFlags    uint8
}

// Marshal encodes h as 40 bytes.
func (h LogHeader) Marshal() []byte {
	b := make([]byte, LogHeaderSize)
	le := binary.LittleEndian
	b[0], b[1] = h.Major, h.Minor
	le.PutUint16(b[2:], h.HdrSize)
	le.PutUint32(b[4:], h.IndexID)
	le.PutUint32(b[8:], h.FileSeq)
	le.PutUint32(b[12:], h.PrevFileSeq)
	le.PutUint32(b[16:], h.PrevFileOffset)
	le.PutUint32(b[20:], h.CreateStamp)
	le.PutUint64(b[24:], h.InitialModseq)
	b[32] = h.CompatFlags
	return b
}

// ParseLogHeader decodes a log header; the reason strings are Dovecot's.
func ParseLogHeader(b []byte) (LogHeader, error) {
	if len(b) < logHeaderMin {
		return LogHeader{}, fmt.Errorf("unexpected end of file while reading header")
	}
	le := binary.LittleEndian
	h := LogHeader{Major: b[0], Minor: b[1], HdrSize: le.Uint16(b[2:]), IndexID: le.Uint32(b[4:]),
		FileSeq: le.Uint32(b[8:]), PrevFileSeq: le.Uint32(b[12:]), PrevFileOffset: le.Uint32(b[16:]),
		CreateStamp: le.Uint32(b[20:])}
	switch {
	case h.Major != LogMajor:
		return h, fmt.Errorf("major version changed")
	case h.HdrSize < logHeaderMin:
		return h, fmt.Errorf("Header size too small")
	case int(h.HdrSize) > len(b):
		return h, fmt.Errorf("unexpected end of file while reading header")
	}
	if h.HdrSize >= 33 {
		h.InitialModseq = le.Uint64(b[24:])
		h.CompatFlags = b[32]
	}
	return h, nil
}

// EncodeSize is mail_index_uint32_to_offset: a transaction size (a
// multiple of 4 below 1 GiB) as four 7-bit groups, each byte's top bit set,
// so a zero-filled word never decodes to a valid size.
func EncodeSize(n uint32) uint32 {
	if n&3 != 0 || n >= 0x40000000 {
		panic(fmt.Sprintf("harness internal error: index: bad transaction size %d", n))
	}
	n >>= 2
	return 0x80808080 | n&0x7f | (n>>7&0x7f)<<8 | (n>>14&0x7f)<<16 | (n>>21&0x7f)<<24
}

// DecodeSize is mail_index_offset_to_uint32; 0 means "not (yet) valid".
func DecodeSize(v uint32) uint32 {
	if v&0x80808080 != 0x80808080 {
		return 0
	}
	return (v&0x7f | (v>>8&0x7f)<<7 | (v>>16&0x7f)<<14 | (v>>24&0x7f)<<21) << 2
}
