package bench

import (
	"bufio"
	"fmt"
	"io"
	"net"

	"github.com/nfsmail/nfsmail/nfs3"
)

// client is a one-call-at-a-time ONC RPC client over TCP.
type client struct {
	conn  net.Conn
	r     *bufio.Reader
	xid   uint32
	enc   nfs3.Encoder
	rbuf  []byte
	calls int
}

func dial(addr string) (*client, error) {
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		return nil, err
	}
	return &client{conn: conn, r: bufio.NewReaderSize(conn, 1<<20), xid: 0x6e66}, nil
}

func (c *client) close() error { return c.conn.Close() }

// call sends one call and returns a decoder over its results.
func (c *client) call(prog, vers, proc uint32, args func(e *nfs3.Encoder)) (*nfs3.Decoder, error) {
	c.xid++
	c.calls++
	nfs3.EncodeCall(&c.enc, nfs3.Call{XID: c.xid, Prog: prog, Vers: vers, Proc: proc, Machine: "bench"})
	if args != nil {
		args(&c.enc)
	}
	if _, err := c.conn.Write(nfs3.MarkRecord(c.enc.B)); err != nil {
		return nil, err
	}
	for {
		msg, err := nfs3.ReadRecord(c.r, c.rbuf)
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		if err != nil {
			return nil, err
		}
		c.rbuf = msg
		xid, d, err := nfs3.DecodeReply(msg)
		if xid != c.xid {
			continue
		}
		return d, err
	}
}

// nfs calls an NFSv3 procedure and checks its status.
func (c *client) nfs(proc nfs3.Proc, args func(e *nfs3.Encoder)) (*nfs3.Decoder, error) {
	d, err := c.call(nfs3.ProgNFS, nfs3.VersNFS, uint32(proc), args)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", proc, err)
	}
	if st := nfs3.Status(d.Uint32()); st != nfs3.OK {
		return nil, fmt.Errorf("%s: %w", proc, nfs3.StatusError(st))
	}
	return d, nil
}

// mount returns the root handle of export from the MOUNT service at addr.
func mount(addr, export string) ([]byte, error) {
	c, err := dial(addr)
	if err != nil {
		return nil, err
	}
	defer c.close()
	d, err := c.call(nfs3.ProgMount, nfs3.VersMount, nfs3.MountProcMnt, func(e *nfs3.Encoder) { e.String(export) })
	if err != nil {
		return nil, fmt.Errorf("MNT %s: %w", export, err)
	}
	if st := d.Uint32(); st != 0 {
		return nil, fmt.Errorf("MNT %s: status %d", export, st)
	}
	fh := append([]byte(nil), d.Opaque(nfs3.MaxFileHandle)...)
	return fh, d.Err()
}
