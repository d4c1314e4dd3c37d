package dbox

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// dbox file format constants (dbox-file.h).
const (
	Version       = 2
	MsgHeaderSize = 30 // sizeof(struct dbox_message_header)
	metaMagic     = "\n\x01\x03\n"
)

// FileHeader is the first line of a dbox file: version, message header
// size and create stamp (host clock).
func FileHeader(created int64) []byte {
	return fmt.Appendf(nil, "%d M%x C%x\n", Version, MsgHeaderSize, created)
}

// Meta is a message's metadata block.
type Meta struct {
	GUID     string
	Orig     string // B: the original mailbox name; "" writes no B line
	Received int64
	VSize    int64
}

// EncodeMessage renders one message as it follows the file header: the
// 30-byte message header, the body, then the metadata block ending in an
// empty line.
func EncodeMessage(body []byte, md Meta) []byte {
	var b bytes.Buffer
	b.Write([]byte{0x01, 0x02, 'N', ' '})
	b.WriteString("         ") // old v1 uid (8 spaces) + space
	fmt.Fprintf(&b, "%016x\n", len(body))
	b.Write(body)
	b.WriteString(metaMagic)
	fmt.Fprintf(&b, "G%s\n", md.GUID)
	if md.Orig != "" {
		fmt.Fprintf(&b, "B%s\n", md.Orig)
	}
	fmt.Fprintf(&b, "R%x\nV%x\n\n", md.Received, md.VSize)
	return b.Bytes()
}

// CorruptError carries the offset and reason of "Corrupted dbox file %s
// (around offset=%d): %s".
type CorruptError struct {
	Offset int64
	Reason string
}

func (e *CorruptError) Error() string {
	return fmt.Sprintf("around offset=%d: %s", e.Offset, e.Reason)
}

// Corrupt returns a *CorruptError at off.
func Corrupt(off int64, format string, args ...any) *CorruptError {
	return &CorruptError{Offset: off, Reason: fmt.Sprintf(format, args...)}
}

// Header is a parsed file header line.
type Header struct {
	MsgHeaderSize int64 // the last M field that parses as a 32-bit hex number; -1: none
	Created       int64 // C: create stamp
	Len           int64 // of the line, LF included: where the first message starts
}

// ParseFileHeader reads the file header line. It checks the version only;
// callers judge MsgHeaderSize.
func ParseFileHeader(data []byte) (Header, error) {
	nl := bytes.IndexByte(data, '\n')
	if nl < 0 {
		return Header{}, Corrupt(0, "EOF while reading file header")
	}
	fields := strings.Fields(string(data[:nl]))
	if len(fields) == 0 || (fields[0] != "2" && fields[0] != "1") {
		return Header{}, Corrupt(0, "Invalid dbox version")
	}
	h := Header{MsgHeaderSize: -1, Len: int64(nl + 1)}
	for _, f := range fields[1:] {
		switch f[0] {
		case 'M':
			if v, err := strconv.ParseUint(f[1:], 16, 32); err == nil {
				h.MsgHeaderSize = int64(v)
			}
		case 'C':
			if v, err := strconv.ParseInt(f[1:], 16, 64); err == nil {
				h.Created = v
			}
		}
	}
	return h, nil
}

// ErrBodySize is ParseMessageHeader's error for a size field that is not
// a hex number below 2^63: it has no reason text of its own, each engine
// reports it as its size check does.
var ErrBodySize = errors.New("dbox: bad message size field")

// ParseMessageHeader checks a message header (the file's message header
// size of bytes, at least MsgHeaderSize) and returns the body size it
// declares. Errors other than ErrBodySize are Dovecot's reasons.
func ParseMessageHeader(h []byte) (uint64, error) {
	if h[0] != 0x01 || h[1] != 0x02 {
		return 0, errors.New("msg header has bad magic value")
	}
	if h[len(h)-1] != '\n' {
		return 0, errors.New("msg header doesn't end with LF")
	}
	size, err := strconv.ParseUint(string(h[13:29]), 16, 63)
	if err != nil {
		return 0, ErrBodySize
	}
	return size, nil
}

// HasMeta reports whether b starts with the metadata block's magic line.
func HasMeta(b []byte) bool { return bytes.HasPrefix(b, []byte(metaMagic)) }

// ParseMeta reads a metadata block and returns its length.
func ParseMeta(b []byte) (Meta, int64, error) {
	var md Meta
	if !HasMeta(b) {
		return md, 0, errors.New("missing end-of-metadata line")
	}
	pos := len(metaMagic)
	for {
		nl := bytes.IndexByte(b[pos:], '\n')
		if nl < 0 {
			return md, 0, errors.New("missing end-of-metadata line")
		}
		line := string(b[pos : pos+nl])
		pos += nl + 1
		if line == "" {
			return md, int64(pos), nil
		}
		switch v := line[1:]; line[0] {
		case 'G':
			md.GUID = v
		case 'B':
			md.Orig = v
		case 'R':
			md.Received, _ = strconv.ParseInt(v, 16, 64)
		case 'V':
			md.VSize, _ = strconv.ParseInt(v, 16, 64)
		}
	}
}
