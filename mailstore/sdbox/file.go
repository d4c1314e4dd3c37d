package sdbox

import (
	"errors"
	"strconv"
	"strings"

	"github.com/nfsmail/nfsmail/mailstore/dbox"
)

// encodeFile renders a dbox file (§5.1): file header line, 30-byte message
// header, the message, then the metadata block (no B line).
func encodeFile(body []byte, created int64, guid string, vsize int64) []byte {
	md := dbox.Meta{GUID: guid, Received: created, VSize: vsize}
	return append(dbox.FileHeader(created), dbox.EncodeMessage(body, md)...)
}

// decodeFile returns the message of a u.* file. Errors are
// *dbox.CorruptError; the body is returned when only the metadata block
// is missing.
func decodeFile(data []byte) ([]byte, error) {
	h, err := dbox.ParseFileHeader(data)
	if err != nil {
		return nil, err
	}
	if h.MsgHeaderSize < dbox.MsgHeaderSize {
		return nil, dbox.Corrupt(0, "Missing message header size")
	}
	off := h.Len
	if int64(len(data)) < off+h.MsgHeaderSize {
		return nil, dbox.Corrupt(off, "dbox file size too small")
	}
	size, err := dbox.ParseMessageHeader(data[off : off+h.MsgHeaderSize])
	if err != nil && !errors.Is(err, dbox.ErrBodySize) {
		return nil, dbox.Corrupt(off, "%s", err.Error())
	}
	off += h.MsgHeaderSize
	if err != nil || uint64(int64(len(data))-off) < size {
		return nil, dbox.Corrupt(off, "dbox file size too small")
	}
	body := data[off : off+int64(size)]
	if !dbox.HasMeta(data[off+int64(size):]) {
		return body, dbox.Corrupt(off+int64(size), "missing end-of-metadata line")
	}
	return body, nil
}

var errLost = errors.New("sdbox: message file lost")

// parseFileName returns the UID of a "u.<uid>" name; isMail reports the
// "u." prefix, ok a valid UID.
func parseFileName(name string) (uid uint32, isMail, ok bool) {
	s, isMail := strings.CutPrefix(name, "u.")
	if !isMail {
		return 0, false, false
	}
	n, err := strconv.ParseUint(s, 10, 32)
	return uint32(n), true, err == nil && n != 0
}
