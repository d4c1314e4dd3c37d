package nfsserver

// A minimal ONC RPC client for tests, written against go-nfs-client's XDR
// encoder (not our own), so encoding mistakes do not cancel out. The real
// client model lives in harness/nfsclient.

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"io"
	"net"
	"testing"

	nfs "github.com/willscott/go-nfs"
	"github.com/willscott/go-nfs-client/nfs/rpc"
	"github.com/willscott/go-nfs-client/nfs/xdr"
)

type rpcClient struct {
	t    testing.TB
	conn net.Conn
	rd   *bufio.Reader
	xid  uint32
	// split sends each request as two fragments.
	split bool
	// replies records every reply received.
	replies [][]byte
}

func newRPCClient(t testing.TB, conn net.Conn) *rpcClient {
	return &rpcClient{t: t, conn: conn, rd: bufio.NewReader(conn), xid: 100}
}

// authUnix is a fixed AUTH_UNIX credential (rpc.NewAuthUnix draws a
// random stamp).
var authUnix = rpc.AuthUnix{Stamp: 7, Machinename: "test", Uid: 0, Gid: 0, GidLen: 1}.Auth()

// raw sends one call and returns the reply record.
func (c *rpcClient) raw(rpcvers, prog, vers, proc uint32, args any) []byte {
	c.t.Helper()
	c.xid++
	var b bytes.Buffer
	hdr := rpc.Header{Rpcvers: rpcvers, Prog: prog, Vers: vers, Proc: proc, Cred: authUnix, Verf: rpc.AuthNull}
	for _, v := range []any{c.xid, uint32(0), hdr} {
		if err := xdr.Write(&b, v); err != nil {
			c.t.Fatal(err)
		}
	}
	if args != nil {
		if err := xdr.Write(&b, args); err != nil {
			c.t.Fatal(err)
		}
	}
	c.send(b.Bytes())
	rec, err := readRecord(c.rd)
	if err != nil {
		c.t.Fatalf("read reply: %v", err)
	}
	if got := binary.BigEndian.Uint32(rec); got != c.xid {
		c.t.Fatalf("reply xid %d, want %d", got, c.xid)
	}
	c.replies = append(c.replies, append([]byte(nil), rec...))
	return rec
}

func (c *rpcClient) send(msg []byte) {
	c.t.Helper()
	var out []byte
	if c.split && len(msg) > 8 {
		out = binary.BigEndian.AppendUint32(out, 8)
		out = append(out, msg[:8]...)
		msg = msg[8:]
	}
	out = binary.BigEndian.AppendUint32(out, 1<<31|uint32(len(msg)))
	out = append(out, msg...)
	if _, err := c.conn.Write(out); err != nil {
		c.t.Fatalf("send: %v", err)
	}
}

// call sends a call and returns accept_stat and the results.
func (c *rpcClient) call(prog, vers, proc uint32, args any) (uint32, *bytes.Reader) {
	c.t.Helper()
	r := bytes.NewReader(c.raw(rpcVersion, prog, vers, proc, args))
	var h struct {
		Xid, Type, Stat uint32
		Verf            rpc.Auth
		Accept          uint32
	}
	if err := xdr.Read(r, &h); err != nil || h.Type != msgReply || h.Stat != msgAccepted {
		c.t.Fatalf("reply header %+v: %v", h, err)
	}
	return h.Accept, r
}

// ok sends a call that must be accepted with SUCCESS.
func (c *rpcClient) ok(prog, proc uint32, args any) *bytes.Reader {
	c.t.Helper()
	st, r := c.call(prog, 3, proc, args)
	if st != acceptSuccess {
		c.t.Fatalf("prog %d proc %d: accept_stat %d", prog, proc, st)
	}
	return r
}

func read[T any](t testing.TB, r io.Reader) T {
	t.Helper()
	var v T
	if err := xdr.Read(r, &v); err != nil {
		t.Fatalf("decode %T: %v", v, err)
	}
	return v
}

func postOpAttr(t testing.TB, r io.Reader) *nfs.FileAttribute {
	t.Helper()
	if !read[bool](t, r) {
		return nil
	}
	a := read[nfs.FileAttribute](t, r)
	return &a
}

func wccData(t testing.TB, r io.Reader) (*nfs.FileCacheAttribute, *nfs.FileAttribute) {
	t.Helper()
	var pre *nfs.FileCacheAttribute
	if read[bool](t, r) {
		p := read[nfs.FileCacheAttribute](t, r)
		pre = &p
	}
	return pre, postOpAttr(t, r)
}

// Argument layouts (RFC 1813) for go-nfs-client's reflective encoder.
type (
	fhArgs    struct{ FH []byte }
	dirOpArgs struct {
		Dir  []byte
		Name string
	}
	sattr3    struct{ SetMode, SetUID, SetGID, SetSize, Atime, Mtime uint32 }
	createArg struct {
		Dir  []byte
		Name string
		How  uint32
		Attr sattr3
	}
	mkdirArgs struct {
		Dir  []byte
		Name string
		Attr sattr3
	}
	writeArgs struct {
		FH     []byte
		Offset uint64
		Count  uint32
		Stable uint32
		Data   []byte
	}
	readArgs struct {
		FH     []byte
		Offset uint64
		Count  uint32
	}
	renameArgs struct {
		FromDir  []byte
		FromName string
		ToDir    []byte
		ToName   string
	}
	linkArgs struct {
		FH   []byte
		Dir  []byte
		Name string
	}
	readdirplusArgs struct {
		Dir      []byte
		Cookie   uint64
		Verf     uint64
		DirCount uint32
		MaxCount uint32
	}
	mountArgs struct{ Path string }
)

// NFS procedure numbers used by the tests.
const (
	procNull        = 0
	procGetattr     = 1
	procSetattr     = 2
	procLookup      = 3
	procRead        = 6
	procWrite       = 7
	procCreate      = 8
	procMkdir       = 9
	procRemove      = 12
	procRename      = 14
	procLink        = 15
	procReaddirplus = 17
	mountMnt        = 1
	mountExportProc = 5
)
