package nfsserver

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync"

	nfs "github.com/willscott/go-nfs"

	"github.com/nfsmail/nfsmail/nfsserver/simfs"
)

// Options configure a Server.
type Options struct {
	// WriteVerifier is the NFS write verifier (go-nfs Server.ID), derived
	// from the seed; a restarted server must get a new one. Zero is
	// replaced by the fixed value "nfsmail\x01" so go-nfs never draws one
	// from crypto/rand.
	WriteVerifier [8]byte
}

// defaultWriteVerifier replaces a zero Options.WriteVerifier.
var defaultWriteVerifier = [8]byte{'n', 'f', 's', 'm', 'a', 'i', 'l', 1}

// Server is one NFSv3 server over a simfs store.
type Server struct {
	fs     *simfs.FS
	h      *handler
	gonfs  *nfs.Server
	lis    *memListener
	cancel context.CancelFunc
	stats  statTable
	wg     sync.WaitGroup

	mu        sync.Mutex
	closed    bool
	conns     map[*conn]bool
	listeners []net.Listener
}

// New starts a server for fsys: go-nfs serves an in-memory listener that
// Dial and Serve feed. Call Close to stop it.
func New(fsys *simfs.FS, opts Options) *Server {
	quietGoNFS()
	ctx, cancel := context.WithCancel(context.Background())
	id := opts.WriteVerifier
	if id == ([8]byte{}) {
		id = defaultWriteVerifier
	}
	s := &Server{fs: fsys, h: newHandler(fsys), lis: newMemListener(), cancel: cancel,
		conns: make(map[*conn]bool)}
	s.gonfs = &nfs.Server{Handler: s.h, ID: id, Context: ctx}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		_ = s.gonfs.Serve(s.lis)
	}()
	return s
}

// FS returns the store the server serves.
func (s *Server) FS() *simfs.FS { return s.fs }

// Dial opens an in-memory connection to the server and returns the client
// end. host names the client in Stats.
func (s *Server) Dial(host string) (net.Conn, error) {
	client, server := net.Pipe()
	if err := s.accept(server, host); err != nil {
		client.Close()
		return nil, fmt.Errorf("nfsserver: dial from %s: %w", host, err)
	}
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
		host := nc.RemoteAddr().String()
		if h, _, err := net.SplitHostPort(host); err == nil {
			host = h
		}
		_ = s.accept(nc, host)
	}
}

// accept wraps nc in a dispatcher conn and hands it to go-nfs.
func (s *Server) accept(nc net.Conn, host string) error {
	c := newConn(s, nc, host)
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		nc.Close()
		return net.ErrClosed
	}
	s.conns[c] = true
	s.mu.Unlock()
	if err := s.lis.push(c); err != nil {
		c.Close()
		return err
	}
	return nil
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

// memListener is the in-memory net.Listener go-nfs serves.
type memListener struct {
	ch   chan net.Conn
	done chan struct{}
	once sync.Once
}

func newMemListener() *memListener {
	return &memListener{ch: make(chan net.Conn), done: make(chan struct{})}
}

func (l *memListener) push(c net.Conn) error {
	select {
	case l.ch <- c:
		return nil
	case <-l.done:
		return net.ErrClosed
	}
}

func (l *memListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.ch:
		return c, nil
	case <-l.done:
		return nil, net.ErrClosed
	}
}

func (l *memListener) Close() error {
	l.once.Do(func() { close(l.done) })
	return nil
}

func (l *memListener) Addr() net.Addr { return memAddr{} }

type memAddr struct{}

func (memAddr) Network() string { return "mem" }
func (memAddr) String() string  { return "nfsserver" }
