package nfsserver

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// maxRecord bounds one RPC record (all fragments). Records are read
// incrementally, so a garbage length costs no memory up front; a larger
// record closes the connection. (go-nfs's FSINFO advertises 1 GiB
// rtmax/wtmax; clients should stay at the usual 1 MiB.)
const maxRecord = 64<<20 + 4096

const lastFragment = 1 << 31

var errRecordTooLarge = errors.New("nfsserver: rpc record too large")

// readRecord reads one RPC record (RFC 5531 section 11 record marking),
// joining its fragments.
func readRecord(r *bufio.Reader) ([]byte, error) {
	var buf bytes.Buffer
	for {
		var hdr [4]byte
		if _, err := io.ReadFull(r, hdr[:]); err != nil {
			if buf.Len() > 0 && err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			return nil, err
		}
		h := binary.BigEndian.Uint32(hdr[:])
		n := int64(h &^ lastFragment)
		if int64(buf.Len())+n > maxRecord {
			return nil, fmt.Errorf("%w: %d bytes", errRecordTooLarge, int64(buf.Len())+n)
		}
		if _, err := io.CopyN(&buf, r, n); err != nil {
			if err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			return nil, err
		}
		if h&lastFragment != 0 {
			return buf.Bytes(), nil
		}
	}
}

// frame returns rec as a single last fragment.
func frame(rec []byte) []byte {
	out := make([]byte, 4, 4+len(rec))
	binary.BigEndian.PutUint32(out, lastFragment|uint32(len(rec)))
	return append(out, rec...)
}

// cutRecord splits one complete single-fragment record off the front of
// stream, as go-nfs writes them; ok is false while it is incomplete.
func cutRecord(stream []byte) (rec, rest []byte, ok bool) {
	if len(stream) < 4 {
		return nil, stream, false
	}
	n := int(binary.BigEndian.Uint32(stream) &^ lastFragment)
	if len(stream) < 4+n {
		return nil, stream, false
	}
	return stream[4 : 4+n], stream[4+n:], true
}
