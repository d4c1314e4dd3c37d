package nfsserver

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/fnv"
	"net"
	"sync"
	"time"

	nfs "github.com/willscott/go-nfs"

	"github.com/nfsmail/nfsmail/harness/fault"
	"github.com/nfsmail/nfsmail/nfsserver/simfs"
)

// Clock is the server's time source: virtual time in simulations.
type Clock interface {
	// Now is the time since the start of the run.
	Now() time.Duration
	// Charge spends d of the caller's time; delay faults call it while the
	// client waits for the reply.
	Charge(d time.Duration)
}

// Options configure a Server.
type Options struct {
	// WriteVerifier is the write verifier of the first boot, derived from
	// the seed. Each Restart derives a new one from it and the restart
	// count. Zero is replaced by the fixed value "nfsmail\x01".
	WriteVerifier [8]byte
	// Clock is the server's clock. Nil means the store's clock (simfs
	// Options.Now) measured from Epoch, with Charge doing nothing.
	Clock Clock
	// Epoch is the wall time of virtual time 0; zero means the store's
	// clock reading when New runs.
	Epoch time.Time
	// Faults, if set, is consulted for every call.
	Faults *fault.Engine
	// DRC turns on the duplicate request cache; DRCSize bounds it (0 =
	// 1024 replies).
	DRC     bool
	DRCSize int
	// Grace is the NLM grace period after a restart (0 = 50s, lockd's
	// default).
	Grace time.Duration
}

// defaultWriteVerifier replaces a zero Options.WriteVerifier.
var defaultWriteVerifier = [8]byte{'n', 'f', 's', 'm', 'a', 'i', 'l', 1}

// Server is one NFSv3 + MOUNT + NLM server over a simfs store.
type Server struct {
	fs     *simfs.FS
	h      *handler
	opts   Options
	clock  Clock
	gonfs  *nfs.Server
	lis    *memListener
	cancel context.CancelFunc
	stats  statTable
	wg     sync.WaitGroup

	// exec serialises the execution of calls the dispatcher serves, so
	// pre-op and post-op attributes bracket exactly one change.
	exec       sync.Mutex
	locks      lockTable
	drc        *drc
	restarts   uint64
	graceUntil time.Duration

	mu        sync.Mutex
	closed    bool
	conns     map[*conn]bool
	listeners []net.Listener
}

// New starts a server for fsys: go-nfs serves an in-memory listener that
// Dial and Serve feed. Call Close to stop it.
func New(fsys *simfs.FS, opts Options) *Server {
	quietGoNFS()
	if opts.WriteVerifier == ([8]byte{}) {
		opts.WriteVerifier = defaultWriteVerifier
	}
	if opts.Grace == 0 {
		opts.Grace = 50 * time.Second
	}
	if opts.Epoch.IsZero() {
		opts.Epoch = fsys.Now()
	}
	ctx, cancel := context.WithCancel(context.Background())
	s := &Server{fs: fsys, h: newHandler(fsys), opts: opts, clock: opts.Clock, lis: newMemListener(),
		cancel: cancel, conns: make(map[*conn]bool), locks: newLockTable()}
	if s.clock == nil {
		s.clock = storeClock{fs: fsys, epoch: opts.Epoch}
	}
	if opts.DRC {
		s.drc = newDRC(opts.DRCSize)
	}
	if g := opts.Faults.Plan().Granularity; g > 0 {
		fsys.SetGranularity(g)
	}
	s.gonfs = &nfs.Server{Handler: s.h, ID: opts.WriteVerifier, Context: ctx}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		_ = s.gonfs.Serve(s.lis)
	}()
	return s
}

// storeClock reads virtual time off the store's clock.
type storeClock struct {
	fs    *simfs.FS
	epoch time.Time
}

func (c storeClock) Now() time.Duration   { return c.fs.Now().Sub(c.epoch) }
func (c storeClock) Charge(time.Duration) {}

// FS returns the store the server serves.
func (s *Server) FS() *simfs.FS { return s.fs }

// Faults returns the fault engine (nil if none).
func (s *Server) Faults() *fault.Engine { return s.opts.Faults }

// now is the server's virtual time.
func (s *Server) now() time.Duration { return s.clock.Now() }

// Verifier returns the current write verifier: Options.WriteVerifier
// until the first Restart, then a hash of it and the restart count.
func (s *Server) Verifier() [8]byte {
	s.exec.Lock()
	defer s.exec.Unlock()
	return s.verifier()
}

func (s *Server) verifier() [8]byte {
	if s.restarts == 0 {
		return s.opts.WriteVerifier
	}
	h := fnv.New64a()
	h.Write(s.opts.WriteVerifier[:])
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], s.restarts)
	h.Write(b[:])
	binary.BigEndian.PutUint64(b[:], h.Sum64())
	return b
}

// Restart simulates a server reboot with persistent file handles (like
// knfsd): unstable writes are dropped, NLM locks forgotten, the grace
// period starts, the write verifier changes and the duplicate request
// cache is emptied. Connections stay up.
func (s *Server) Restart() {
	s.exec.Lock()
	defer s.exec.Unlock()
	s.restart()
}

func (s *Server) restart() {
	s.restarts++
	s.fs.DropUnstable()
	s.locks.reset()
	s.graceUntil = s.now() + s.opts.Grace
	if s.drc != nil {
		s.drc.clear()
	}
}

// Restarts returns how often the server restarted.
func (s *Server) Restarts() uint64 {
	s.exec.Lock()
	defer s.exec.Unlock()
	return s.restarts
}

// inGrace reports whether the NLM grace period is running.
func (s *Server) inGrace() bool { return s.restarts > 0 && s.now() < s.graceUntil }

// Dial opens an in-memory connection to the server and returns the client
// end. host names the client in Stats, faults and the DRC. A reply that a
// fault drops makes the client's next Read fail at once with a timeout
// (errors.Is(err, os.ErrDeadlineExceeded)); the client then retransmits.
func (s *Server) Dial(host string) (net.Conn, error) {
	client, server := newMemPipe(host)
	c, err := s.accept(server, host, host)
	if err != nil {
		client.Close()
		return nil, fmt.Errorf("nfsserver: dial from %s: %w", host, err)
	}
	client.inline = func(rec []byte) bool { return s.serveInline(c, rec) }
	return client, nil
}

// Serve accepts connections on l (e.g. TCP for `nfsmail serve`) until l
// fails or the server is closed; clients are named by their IP address.
// It returns nil after Close.
func (s *Server) Serve(l net.Listener) error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return net.ErrClosed
	}
	s.listeners = append(s.listeners, l)
	s.wg.Add(1)
	s.mu.Unlock()
	defer s.wg.Done()
	for {
		nc, err := l.Accept()
		if err != nil {
			if s.isClosed() {
				return nil
			}
			return fmt.Errorf("nfsserver: accept: %w", err)
		}
		peer := nc.RemoteAddr().String()
		host := peer
		if h, _, err := net.SplitHostPort(peer); err == nil {
			host = h
		}
		_, _ = s.accept(nc, host, peer)
	}
}

// accept wraps nc in a dispatcher conn and hands it to go-nfs.
func (s *Server) accept(nc net.Conn, host, peer string) (*conn, error) {
	c := newConn(s, nc, host, peer)
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		nc.Close()
		return nil, net.ErrClosed
	}
	s.conns[c] = true
	s.mu.Unlock()
	if err := s.lis.push(c); err != nil {
		c.Close()
		return nil, err
	}
	return c, nil
}

func (s *Server) forget(c *conn) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.conns, c)
}

func (s *Server) isClosed() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.closed
}

// Close stops the server: listeners and all connections are closed, and
// Close returns once go-nfs and Serve have stopped using them.
func (s *Server) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	conns := make([]*conn, 0, len(s.conns))
	for c := range s.conns {
		conns = append(conns, c)
	}
	listeners := s.listeners
	s.mu.Unlock()

	var errs []error
	s.lis.Close()
	for _, l := range listeners {
		if err := l.Close(); err != nil && !errors.Is(err, net.ErrClosed) {
			errs = append(errs, err)
		}
	}
	s.cancel()
	for _, c := range conns {
		c.Conn.Close() // the transport: go-nfs's next Read fails
	}
	s.wg.Wait()
	for _, c := range conns {
		<-c.done
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("nfsserver: close: %w", err)
	}
	return nil
}
