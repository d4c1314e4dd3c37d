package nfsserver

import (
	"encoding/binary"
	"io"
	"net"
	"os"
	"sync"
	"time"
)

// An in-memory connection: requests flow client -> server through an
// io.Pipe; replies flow server -> client through a replyQueue, which can
// also carry "this reply was lost" markers. A marker makes the client's
// next Read fail at once with a timeout, so a simulated client retransmits
// without any wall-clock wait.

// replyQueue holds reply bytes and lost-reply markers in order.
type replyQueue struct {
	mu     sync.Mutex
	cond   sync.Cond
	items  []qitem
	closed error // set once no more items will come
}

type qitem struct {
	b    []byte
	lost bool
}

func newReplyQueue() *replyQueue {
	q := &replyQueue{}
	q.cond.L = &q.mu
	return q
}

func (q *replyQueue) push(it qitem) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.closed != nil {
		return net.ErrClosed
	}
	q.items = append(q.items, it)
	q.cond.Broadcast()
	return nil
}

func (q *replyQueue) close(err error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.closed == nil {
		q.closed = err
	}
	q.cond.Broadcast()
}

// read blocks until bytes, a lost marker or the end arrive.
func (q *replyQueue) read(p []byte) (int, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	for len(q.items) == 0 && q.closed == nil {
		q.cond.Wait()
	}
	if len(q.items) == 0 {
		return 0, q.closed
	}
	it := &q.items[0]
	if it.lost {
		q.items = q.items[1:]
		return 0, &net.OpError{Op: "read", Net: "mem", Err: os.ErrDeadlineExceeded}
	}
	n := copy(p, it.b)
	it.b = it.b[n:]
	if len(it.b) == 0 {
		q.items = q.items[1:]
	}
	return n, nil
}

// newMemPipe returns the client and server ends of an in-memory
// connection for host.
func newMemPipe(host string) (client *memClient, server *memServer) {
	pr, pw := io.Pipe()
	q := newReplyQueue()
	return &memClient{w: pw, q: q, host: host}, &memServer{r: pr, q: q, host: host}
}

// memClient is the client end handed out by Server.Dial.
type memClient struct {
	w    *io.PipeWriter
	q    *replyQueue
	host string
	// inline, if set, serves a whole call record on the caller's goroutine
	// and reports whether it did (see Server.serveInline).
	inline  func(rec []byte) bool
	partial bool // the pipe holds part of a record: no fast path
}

func (c *memClient) Read(p []byte) (int, error) { return c.q.read(p) }

// Write sends request bytes. A write that is exactly one last-fragment
// record of a procedure this package serves is executed at once on the
// caller's goroutine — the reply lands in the queue before Write returns —
// saving two goroutine hand-offs per RPC; everything else goes through the
// pipe to the dispatcher that fronts go-nfs.
func (c *memClient) Write(p []byte) (int, error) {
	if c.inline != nil && !c.partial && len(p) >= 4 {
		h := binary.BigEndian.Uint32(p)
		if h&lastFragment != 0 && int(h&^lastFragment) == len(p)-4 && c.inline(p[4:]) {
			return len(p), nil
		}
	}
	n, err := c.w.Write(p)
	c.partial = !endsRecord(p[:n], c.partial)
	return n, err
}

// endsRecord is a conservative check that p ends on a record boundary:
// only a write that is one complete record counts.
func endsRecord(p []byte, partial bool) bool {
	if partial || len(p) < 4 {
		return false
	}
	return int(binary.BigEndian.Uint32(p)&^lastFragment) == len(p)-4
}

func (c *memClient) Close() error {
	c.q.close(net.ErrClosed)
	return c.w.Close()
}

func (c *memClient) LocalAddr() net.Addr              { return memAddr(c.host) }
func (c *memClient) RemoteAddr() net.Addr             { return memAddr("nfsserver") }
func (c *memClient) SetDeadline(time.Time) error      { return nil }
func (c *memClient) SetReadDeadline(time.Time) error  { return nil }
func (c *memClient) SetWriteDeadline(time.Time) error { return nil }

// memServer is the server end, wrapped by the dispatcher conn.
type memServer struct {
	r    *io.PipeReader
	q    *replyQueue
	host string
}

func (c *memServer) Read(p []byte) (int, error) { return c.r.Read(p) }

func (c *memServer) Write(p []byte) (int, error) {
	if err := c.q.push(qitem{b: append([]byte(nil), p...)}); err != nil {
		return 0, err
	}
	return len(p), nil
}

// lose tells the client that a reply will never come.
func (c *memServer) lose() { _ = c.q.push(qitem{lost: true}) }

func (c *memServer) Close() error {
	c.q.close(io.EOF)
	return c.r.CloseWithError(net.ErrClosed)
}

func (c *memServer) LocalAddr() net.Addr              { return memAddr("nfsserver") }
func (c *memServer) RemoteAddr() net.Addr             { return memAddr(c.host) }
func (c *memServer) SetDeadline(time.Time) error      { return nil }
func (c *memServer) SetReadDeadline(time.Time) error  { return nil }
func (c *memServer) SetWriteDeadline(time.Time) error { return nil }
