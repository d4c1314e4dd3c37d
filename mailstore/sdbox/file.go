package sdbox

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
)

const (
	dboxVersion   = 2
	msgHeaderSize = 30 // sizeof(struct dbox_message_header)
)

// encodeFile renders a dbox file (§5.1): file header line, 30-byte message
// header, the message, then the metadata block.
func encodeFile(body []byte, created int64, guid string, vsize int64) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "%d M%x C%x\n", dboxVersion, msgHeaderSize, created)
	b.Write([]byte{0x01, 0x02, 'N', ' '})
	b.WriteString("         ") // old v1 uid (8 spaces) + space
	fmt.Fprintf(&b, "%016x\n", len(body))
	b.Write(body)
	b.WriteString("\n\x01\x03\n")
	fmt.Fprintf(&b, "G%s\nR%x\nV%x\n\n", guid, created, vsize)
	return b.Bytes()
}

// errCorrupt carries the reason of "Corrupted dbox file".
type errCorrupt struct {
	offset int
	reason string
}

func (e *errCorrupt) Error() string { return e.reason }

// decodeFile returns the message of a dbox file and its GUID metadata.
func decodeFile(data []byte) (body []byte, guid string, err error) {
	nl := bytes.IndexByte(data, '\n')
	if nl < 0 {
		return nil, "", &errCorrupt{0, "EOF while reading file header"}
	}
	fields := bytes.Fields(data[:nl])
	if len(fields) == 0 || (string(fields[0]) != "2" && string(fields[0]) != "1") {
		return nil, "", &errCorrupt{0, "Invalid dbox version"}
	}
	hdrSize := -1
	for _, f := range fields[1:] {
		if f[0] == 'M' {
			if v, err := strconv.ParseUint(string(f[1:]), 16, 32); err == nil {
				hdrSize = int(v)
			}
		}
	}
	if hdrSize < msgHeaderSize {
		return nil, "", &errCorrupt{0, "Missing message header size"}
	}
	off := nl + 1
	if len(data) < off+hdrSize {
		return nil, "", &errCorrupt{off, "dbox file size too small"}
	}
	h := data[off : off+hdrSize]
	if h[0] != 0x01 || h[1] != 0x02 {
		return nil, "", &errCorrupt{off, "msg header has bad magic value"}
	}
	if h[hdrSize-1] != '\n' {
		return nil, "", &errCorrupt{off, "msg header doesn't end with LF"}
	}
	size, err := strconv.ParseUint(string(h[13:29]), 16, 64)
	off += hdrSize
	if err != nil || uint64(len(data)-off) < size {
		return nil, "", &errCorrupt{off, "dbox file size too small"}
	}
	body = data[off : off+int(size)]
	meta := data[off+int(size):]
	if !bytes.HasPrefix(meta, []byte("\n\x01\x03\n")) {
		return body, "", &errCorrupt{off + int(size), "missing end-of-metadata line"}
	}
	for _, line := range bytes.Split(meta[4:], []byte("\n")) {
		if len(line) > 0 && line[0] == 'G' {
			guid = string(line[1:])
		}
	}
	return body, guid, nil
}

var errLost = errors.New("sdbox: message file lost")
