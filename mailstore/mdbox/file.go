package mdbox

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
)

// dbox file format constants (dbox-file.h).
const (
	dboxVersion   = 2
	msgHeaderSize = 30 // sizeof(struct dbox_message_header)
	metaMagic     = "\n\x01\x03\n"
)

// fileHeader is the first line of an m.* file: version, message header
// size and create stamp (host clock).
func fileHeader(created int64) []byte {
	return fmt.Appendf(nil, "%d M%x C%x\n", dboxVersion, msgHeaderSize, created)
}

// meta is a message's metadata block.
type meta struct {
	guid     string
	orig     string // B: the original mailbox name
	received int64
	vsize    int64
}

// encodeMessage renders one message as it is appended to an m.* file: the
// 30-byte message header, the body, then the metadata block ending in an
// empty line.
func encodeMessage(body []byte, md meta) []byte {
	var b bytes.Buffer
	b.Write([]byte{0x01, 0x02, 'N', ' '})
	b.WriteString("         ") // old v1 uid (8 spaces) + space
	fmt.Fprintf(&b, "%016x\n", len(body))
	b.Write(body)
	b.WriteString(metaMagic)
	fmt.Fprintf(&b, "G%s\nB%s\nR%x\nV%x\n\n", md.guid, md.orig, md.received, md.vsize)
	return b.Bytes()
}

// entry is one message found in an m.* file.
type entry struct {
	offset int64 // of its message header
	size   int64 // header + body + metadata
	body   []byte
	md     meta
}

// corruptErr carries the reason of "Corrupted dbox file %s (around offset=%d): %s".
type corruptErr struct {
	offset int64
	reason string
}

func (e *corruptErr) Error() string {
	return fmt.Sprintf("around offset=%d: %s", e.offset, e.reason)
}

func corrupt(off int64, format string, args ...any) *corruptErr {
	return &corruptErr{offset: off, reason: fmt.Sprintf(format, args...)}
}

// parseFileHeader returns the create stamp and the header's length.
func parseFileHeader(data []byte) (created int64, n int64, err error) {
	nl := bytes.IndexByte(data, '\n')
	if nl < 0 {
		return 0, 0, corrupt(0, "EOF while reading file header")
	}
	fields := strings.Fields(string(data[:nl]))
	if len(fields) == 0 || (fields[0] != "2" && fields[0] != "1") {
		return 0, 0, corrupt(0, "Invalid dbox version")
	}
	hdrSize := int64(-1)
	for _, f := range fields[1:] {
		v, perr := strconv.ParseInt(f[1:], 16, 64)
		switch {
		case perr != nil:
		case f[0] == 'M':
			hdrSize = v
		case f[0] == 'C':
			created = v
		}
	}
	if hdrSize != msgHeaderSize {
		return 0, 0, corrupt(0, "Missing message header size")
	}
	return created, int64(nl + 1), nil
}

// parseMessage reads the message at off of an m.* file's data.
func parseMessage(data []byte, off int64) (entry, error) {
	if int64(len(data)) < off+msgHeaderSize {
		return entry{}, corrupt(off, "EOF while reading message header")
	}
	h := data[off : off+msgHeaderSize]
	if h[0] != 0x01 || h[1] != 0x02 || h[2] != 'N' {
		return entry{}, corrupt(off, "msg header has bad magic value")
	}
	if h[msgHeaderSize-1] != '\n' {
		return entry{}, corrupt(off, "msg header doesn't end with LF")
	}
	size, err := strconv.ParseUint(string(h[13:29]), 16, 63)
	start := off + msgHeaderSize
	if err != nil || uint64(int64(len(data))-start) < size {
		return entry{}, corrupt(off, "truncated message at EOF")
	}
	e := entry{offset: off, body: data[start : start+int64(size)]}
	md, n, err := parseMeta(data[start+int64(size):])
	if err != nil {
		return entry{}, corrupt(start+int64(size), "%s", err.Error())
	}
	e.md, e.size = md, msgHeaderSize+int64(size)+n
	return e, nil
}

// parseMeta reads a metadata block and returns its length.
func parseMeta(b []byte) (meta, int64, error) {
	var md meta
	if !bytes.HasPrefix(b, []byte(metaMagic)) {
		return md, 0, fmt.Errorf("missing end-of-metadata line")
	}
	pos := len(metaMagic)
	for {
		nl := bytes.IndexByte(b[pos:], '\n')
		if nl < 0 {
			return md, 0, fmt.Errorf("missing end-of-metadata line")
		}
		line := string(b[pos : pos+nl])
		pos += nl + 1
		if line == "" {
			return md, int64(pos), nil
		}
		switch v := line[1:]; line[0] {
		case 'G':
			md.guid = v
		case 'B':
			md.orig = v
		case 'R':
			md.received, _ = strconv.ParseInt(v, 16, 64)
		case 'V':
			md.vsize, _ = strconv.ParseInt(v, 16, 64)
		}
	}
}

// parseFile returns every complete message of an m.* file, in order; err
// describes where and why the rest could not be parsed.
func parseFile(data []byte) ([]entry, error) {
	_, off, err := parseFileHeader(data)
	if err != nil {
		return nil, err
	}
	var out []entry
	for off < int64(len(data)) {
		e, err := parseMessage(data, off)
		if err != nil {
			return out, err
		}
		out = append(out, e)
		off += e.size
	}
	return out, nil
}

// isOKAt is dbox_file_is_ok_at for every byte past off: nothing, or
// complete messages to the end.
func isOKAt(data []byte, off int64) bool {
	for off < int64(len(data)) {
		e, err := parseMessage(data, off)
		if err != nil {
			return false
		}
		off += e.size
	}
	return off == int64(len(data))
}

// fileName returns "m.<id>".
func fileName(id uint32) string { return fmt.Sprintf("m.%d", id) }

// parseFileName returns the id of an "m.<id>" name.
func parseFileName(name string) (uint32, bool) {
	s, ok := strings.CutPrefix(name, "m.")
	if !ok {
		return 0, false
	}
	n, err := strconv.ParseUint(s, 10, 32)
	return uint32(n), err == nil && n > 0
}

// messageID returns the Message-ID header's value; "" if none.
func messageID(data []byte) string {
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
