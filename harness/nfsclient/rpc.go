package nfsclient

import (
	"bufio"
	"fmt"
	"io"
	"net"

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

// call sends prog/proc with args written by enc and returns a decoder over
// the results. The returned decoder aliases an internal buffer that the next
// call reuses.
func (t *transport) call(prog, vers, proc uint32, name string, args func(e *nfs3.Encoder)) (*nfs3.Decoder, error) {
	t.xid++
	nfs3.EncodeCall(&t.enc, nfs3.Call{XID: t.xid, Prog: prog, Vers: vers, Proc: proc, Machine: t.machine})
	if args != nil {
		args(&t.enc)
	}
	t.counts[name]++
	if _, err := t.conn.Write(nfs3.MarkRecord(t.enc.B)); err != nil {
		return nil, fmt.Errorf("rpc %s: send: %w", name, err)
	}
	for {
		msg, err := nfs3.ReadRecord(t.r, t.rbuf)
		if err != nil {
			if err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			return nil, fmt.Errorf("rpc %s: receive: %w", name, err)
		}
		t.rbuf = msg
		xid, d, err := nfs3.DecodeReply(msg)
		if xid != t.xid {
			continue // a late reply to an earlier, retransmitted call
		}
		if err != nil {
			return nil, fmt.Errorf("rpc %s: %w", name, err)
		}
		return d, nil
	}
}

func (t *transport) close() error { return t.conn.Close() }
