package nfsclient

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"os"

	"github.com/nfsmail/nfsmail/nfs3"
)

// transport sends one RPC at a time over a stream connection and waits for
// its reply: exactly one call is in flight per host, which is what keeps a
// simulation deterministic (DESIGN.md §4).
type transport struct {
	conn    net.Conn
	r       *bufio.Reader
	machine string
	xid     uint32
	enc     nfs3.Encoder
	rbuf    []byte
	counts  map[string]int
}

func newTransport(conn net.Conn, machine string, firstXID uint32) *transport {
	return &transport{conn: conn, r: bufio.NewReaderSize(conn, 64<<10), machine: machine,
		xid: firstXID, counts: map[string]int{}}
}

// encode builds the next call with a new XID and returns the record and
// its XID. The record aliases the transport's buffer until the next encode:
// a caller that may yield before retransmitting must copy it.
func (t *transport) encode(prog, vers, proc uint32, args func(e *nfs3.Encoder)) ([]byte, uint32) {
	t.xid++
	nfs3.EncodeCall(&t.enc, nfs3.Call{XID: t.xid, Prog: prog, Vers: vers, Proc: proc, Machine: t.machine})
	if args != nil {
		args(&t.enc)
	}
	return nfs3.MarkRecord(t.enc.B), t.xid
}

// send transmits (or retransmits: same bytes, same XID) a call record.
func (t *transport) send(name string, rec []byte) error {
	t.counts[name]++
	if _, err := t.conn.Write(rec); err != nil {
		return fmt.Errorf("rpc %s: send: %w", name, err)
	}
	return nil
}

// errNoReply means the reply was lost: the read timed out.
var errNoReply = errors.New("rpc: no reply (timed out)")

// recv waits for the reply to call xid and returns a decoder over the
// results, aliasing a buffer the next call reuses. Replies to other XIDs
// (late duplicates) are skipped. A lost reply returns errNoReply.
func (t *transport) recv(name string, xid uint32) (*nfs3.Decoder, error) {
	for {
		msg, err := nfs3.ReadRecord(t.r, t.rbuf)
		if err != nil {
			if errors.Is(err, os.ErrDeadlineExceeded) {
				return nil, errNoReply
			}
			if err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			return nil, fmt.Errorf("rpc %s: receive: %w", name, err)
		}
		t.rbuf = msg
		got, d, err := nfs3.DecodeReply(msg)
		if got != xid {
			continue // a late reply to an earlier, retransmitted call
		}
		if err != nil {
			return nil, fmt.Errorf("rpc %s: %w", name, err)
		}
		return d, nil
	}
}

func (t *transport) close() error { return t.conn.Close() }
