package nfsserver

import (
	"bufio"
	"encoding/binary"
	"net"
	"sync"

	"github.com/nfsmail/nfsmail/nfs3"
)

// conn is the dispatcher in front of go-nfs for one client connection. It
// is the net.Conn go-nfs serves: go-nfs's reader goroutine calls Read,
// which reads whole RPC records from the client, counts them, answers the
// calls we serve and passes the others on (re-framed as one fragment,
// since go-nfs rejects multi-fragment records); go-nfs's writer goroutine
// calls Write, whose stream is cut into records that are corrected and
// sent on. wmu keeps each reply record whole on the wire.
type conn struct {
	net.Conn // transport to the client
	srv      *Server
	host     string // for stats, faults and NLM
	peer     string // for the DRC key (host:port over TCP)
	rd       *bufio.Reader
	in       []byte // forwarded request bytes go-nfs has yet to read
	rerr     error  // sticky read error
	out      []byte // go-nfs reply bytes not yet forming a whole record
	wmu      sync.Mutex
	drop     map[uint32]bool // XIDs of forwarded calls whose reply is lost
	done     chan struct{}   // closed once go-nfs is finished with c
	doneOnce sync.Once
}

func newConn(srv *Server, nc net.Conn, host, peer string) *conn {
	return &conn{Conn: nc, srv: srv, host: host, peer: peer, rd: bufio.NewReaderSize(nc, 64<<10),
		drop: make(map[uint32]bool), done: make(chan struct{})}
}

// Read hands go-nfs the next forwarded request bytes.
func (c *conn) Read(p []byte) (int, error) {
	for len(c.in) == 0 {
		if c.rerr != nil {
			return 0, c.rerr
		}
		if err := c.next(); err != nil {
			c.rerr = err
			c.markDone()
			return 0, err
		}
	}
	n := copy(p, c.in)
	c.in = c.in[n:]
	return n, nil
}

// next reads one request record and serves or forwards it. A record that
// is not an RPC call ends the connection.
func (c *conn) next() error {
	rec, err := readRecord(c.rd)
	if err != nil {
		return err
	}
	return c.srv.handle(c, rec)
}

// forward queues rec for go-nfs; lost marks its reply to be dropped.
func (c *conn) forward(rec []byte, xid uint32, lost, twice bool) {
	if lost {
		c.wmu.Lock()
		c.drop[xid] = true
		c.wmu.Unlock()
	}
	c.in = append(c.in, frame(rec)...)
	if twice {
		c.in = append(c.in, frame(rec)...)
	}
}

// send writes one reply record to the client.
func (c *conn) send(rec []byte) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	_, err := c.Conn.Write(frame(rec))
	return err
}

// sendMsg writes a reply built with 4 leading bytes reserved for the
// record mark, without copying it. A message may be sent more than once
// (DRC replays): the mark is the same each time.
func (c *conn) sendMsg(msg []byte) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	_, err := c.Conn.Write(nfs3.MarkRecord(msg))
	return err
}

// lose drops a reply: over TCP it is simply never sent; on an in-memory
// connection the client's next Read times out at once.
func (c *conn) lose() {
	if m, ok := c.Conn.(*memServer); ok {
		m.lose()
	}
}

// Write takes go-nfs's reply stream and sends each complete record.
func (c *conn) Write(p []byte) (int, error) {
	c.out = append(c.out, p...)
	for {
		rec, rest, ok := cutRecord(c.out)
		if !ok {
			return len(p), nil
		}
		fixAcceptStat(rec)
		if err := c.emit(rec); err != nil {
			return 0, err
		}
		c.out = append(c.out[:0], rest...)
	}
}

// emit sends a go-nfs reply unless a fault dropped it.
func (c *conn) emit(rec []byte) error {
	if len(rec) >= 4 {
		xid := binary.BigEndian.Uint32(rec)
		c.wmu.Lock()
		lost := c.drop[xid]
		delete(c.drop, xid)
		c.wmu.Unlock()
		if lost {
			c.lose()
			return nil
		}
	}
	return c.send(rec)
}

// Close closes the transport; go-nfs calls it when it drops a connection.
func (c *conn) Close() error {
	c.markDone()
	return c.Conn.Close()
}

// markDone records that go-nfs is finished with c.
func (c *conn) markDone() {
	c.doneOnce.Do(func() {
		close(c.done)
		c.srv.forget(c)
	})
}
