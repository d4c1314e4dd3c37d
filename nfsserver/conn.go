package nfsserver

import (
	"bufio"
	"net"
	"sync"
)

// conn is the dispatcher in front of go-nfs for one client connection. It
// is the net.Conn go-nfs serves: go-nfs's reader goroutine calls Read, which
// reads whole RPC records from the client, counts them, answers the calls
// we serve and passes the others on (re-framed as one fragment, since
// go-nfs rejects multi-fragment records); go-nfs's writer goroutine calls
// Write, whose stream is cut into records that are corrected and sent on.
// wmu keeps each reply record whole on the wire.
type conn struct {
	net.Conn // transport to the client
	srv      *Server
	host     string
	rd       *bufio.Reader
	in       []byte // forwarded request bytes go-nfs has yet to read
	rerr     error  // sticky read error
	out      []byte // go-nfs reply bytes not yet forming a whole record
	wmu      sync.Mutex
	done     chan struct{} // closed once go-nfs is finished with c
	doneOnce sync.Once
}

func newConn(srv *Server, nc net.Conn, host string) *conn {
	return &conn{Conn: nc, srv: srv, host: host, rd: bufio.NewReader(nc), done: make(chan struct{})}
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

// next reads one request record and either queues it for go-nfs or
// answers it. An undecodable call header ends the connection.
func (c *conn) next() error {
	rec, err := readRecord(c.rd)
	if err != nil {
		return err
	}
	cl, err := parseCall(rec)
	if err != nil {
		return err
	}
	reply, forward := c.srv.dispatch(c.host, cl)
	if forward {
		c.in = frame(rec)
		return nil
	}
	return c.send(reply)
}

// send writes one reply record to the client.
func (c *conn) send(rec []byte) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	_, err := c.Conn.Write(frame(rec))
	return err
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
		if err := c.send(rec); err != nil {
			return 0, err
		}
		c.out = append(c.out[:0], rest...)
	}
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
