package nfsserver_test

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"io"
	"time"

	"github.com/nfsmail/nfsmail/nfsserver"
	"github.com/nfsmail/nfsmail/nfsserver/simfs"
)

// A client dials the in-memory server and sends one ONC RPC call, MOUNT
// EXPORT, written out by hand; the server counts it for the host.
func ExampleServer() {
	clock := func() time.Time { return time.Unix(1700000000, 0) }
	srv := nfsserver.New(simfs.New(simfs.Options{Now: clock}), nfsserver.Options{})
	defer srv.Close()
	conn, err := srv.Dial("backend1")
	if err != nil {
		panic(err)
	}
	defer conn.Close()

	// xid, CALL, RPC v2, MOUNT program 100005, v3, EXPORT, AUTH_NONE x2
	call := []uint32{1, 0, 2, 100005, 3, 5, 0, 0, 0, 0}
	msg := binary.BigEndian.AppendUint32(nil, 1<<31|uint32(4*len(call)))
	for _, w := range call {
		msg = binary.BigEndian.AppendUint32(msg, w)
	}
	if _, err := conn.Write(msg); err != nil {
		panic(err)
	}
	rd := bufio.NewReader(conn)
	var hdr [4]byte
	_, _ = io.ReadFull(rd, hdr[:])
	reply := make([]byte, binary.BigEndian.Uint32(hdr[:])&^(1<<31))
	_, _ = io.ReadFull(rd, reply)
	// reply: xid, REPLY, MSG_ACCEPTED, verifier, SUCCESS, then the list
	fmt.Println("accept_stat:", binary.BigEndian.Uint32(reply[20:]))
	fmt.Printf("export: %q\n", reply[32:33])
	fmt.Println("EXPORT calls:", srv.Stats().Count("backend1", "MOUNT", "EXPORT"))
	// Output:
	// accept_stat: 0
	// export: "/"
	// EXPORT calls: 1
}
