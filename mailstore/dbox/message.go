package dbox

import (
	"bytes"
	"errors"
	"strings"
)

// Message is one message found in a dbox file.
type Message struct {
	Offset int64 // of its message header
	Size   int64 // header + body + metadata
	Body   []byte
	Meta   Meta
}

// ParseMessage reads the message whose header starts at off in a file
// with MsgHeaderSize-byte message headers, as the multi-message walk
// (dbox_file_seek_next) does: the header must be a normal ('N') message's,
// the body complete, the metadata block ended by its empty line.
func ParseMessage(data []byte, off int64) (Message, error) {
	if int64(len(data)) < off+MsgHeaderSize {
		return Message{}, Corrupt(off, "EOF while reading message header")
	}
	h := data[off : off+MsgHeaderSize]
	if h[2] != 'N' {
		return Message{}, Corrupt(off, "msg header has bad magic value")
	}
	size, err := ParseMessageHeader(h)
	if err != nil && !errors.Is(err, ErrBodySize) {
		return Message{}, Corrupt(off, "%s", err.Error())
	}
	start := off + MsgHeaderSize
	if err != nil || uint64(int64(len(data))-start) < size {
		return Message{}, Corrupt(off, "truncated message at EOF")
	}
	m := Message{Offset: off, Body: data[start : start+int64(size)]}
	md, n, err := ParseMeta(data[start+int64(size):])
	if err != nil {
		return Message{}, Corrupt(start+int64(size), "%s", err.Error())
	}
	m.Meta, m.Size = md, MsgHeaderSize+int64(size)+n
	return m, nil
}

// ParseFile returns every complete message of a multi-message file, in
// order; err describes where and why the rest could not be parsed. The
// header must declare MsgHeaderSize.
func ParseFile(data []byte) ([]Message, error) {
	h, err := ParseMultiHeader(data)
	if err != nil {
		return nil, err
	}
	off := h.Len
	var out []Message
	for off < int64(len(data)) {
		m, err := ParseMessage(data, off)
		if err != nil {
			return out, err
		}
		out = append(out, m)
		off += m.Size
	}
	return out, nil
}

// ParseMultiHeader is ParseFileHeader for a file whose messages
// ParseMessage reads: its header must declare MsgHeaderSize.
func ParseMultiHeader(data []byte) (Header, error) {
	h, err := ParseFileHeader(data)
	if err == nil && h.MsgHeaderSize != MsgHeaderSize {
		return Header{}, Corrupt(0, "Missing message header size")
	}
	return h, err
}

// IsOKAt is dbox_file_is_ok_at for every byte past off: nothing, or
// complete messages to the end.
func IsOKAt(data []byte, off int64) bool {
	for off < int64(len(data)) {
		m, err := ParseMessage(data, off)
		if err != nil {
			return false
		}
		off += m.Size
	}
	return off == int64(len(data))
}

// MessageID returns the Message-ID header's value; "" if none.
func MessageID(data []byte) string {
	for _, line := range strings.Split(string(data), "\n") {
		line = strings.TrimSuffix(line, "\r")
		if line == "" {
			break
		}
		if k, v, ok := strings.Cut(line, ":"); ok && strings.EqualFold(strings.TrimSpace(k), "Message-ID") {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

// ToLF turns CRLF line ends into LF, as dbox stores messages.
func ToLF(body []byte) []byte { return bytes.ReplaceAll(body, []byte("\r\n"), []byte("\n")) }

// VSize is the virtual (CRLF) size of an LF body.
func VSize(body []byte) int64 { return int64(len(body) + bytes.Count(body, []byte("\n"))) }
