package nfsserver

import (
	"bytes"
	"encoding/binary"
	"io"
	"math/rand/v2"
	"testing"

	nfs "github.com/willscott/go-nfs"
	"github.com/willscott/go-nfs-client/nfs/rpc"
	"github.com/willscott/go-nfs-client/nfs/xdr"

	"github.com/nfsmail/nfsmail/nfs3"
)

// junkCall is a well-formed call header followed by args.
func junkCall(prog, proc uint32, args []byte) []byte {
	var b bytes.Buffer
	vers := uint32(3)
	if prog == progNLM {
		vers = 4
	}
	hdr := rpc.Header{Rpcvers: 2, Prog: prog, Vers: vers, Proc: proc, Cred: rpc.AuthNull, Verf: rpc.AuthNull}
	_ = xdr.Write(&b, uint32(9))
	_ = xdr.Write(&b, uint32(0))
	_ = xdr.Write(&b, hdr)
	b.Write(args)
	return frame(b.Bytes())
}

// junk returns byte strings that are not valid RPC: random bytes, random
// records, and well-formed calls to every procedure with random arguments,
// some starting with a valid handle so go-nfs decodes further.
func junk(root []byte) [][]byte {
	rng := rand.New(rand.NewPCG(1, 2))
	randBytes := func(n int) []byte {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(rng.Uint32())
		}
		return b
	}
	out := [][]byte{
		randBytes(1000),
		frame(randBytes(100)),
		{0x7f, 0xff, 0xff, 0xff, 1, 2, 3},                    // huge fragment, then EOF
		{0x80, 0, 0, 8, 0, 0, 0, 1, 0, 0, 0, 1},              // a reply, not a call
		binary.BigEndian.AppendUint32(nil, 1<<31|0x7fffffff), // huge record
	}
	var fh bytes.Buffer
	_ = xdr.Write(&fh, root)
	for _, prog := range []uint32{progNFS, progMount, progNLM} {
		for proc := uint32(0); proc < 23; proc++ {
			for i := 0; i < 8; i++ {
				args := randBytes(rng.IntN(80))
				if i%2 == 1 {
					args = append(append([]byte(nil), fh.Bytes()...), args...)
				}
				out = append(out, junkCall(prog, proc, args))
			}
		}
	}
	return out
}

func TestGarbageKeepsServerAlive(t *testing.T) {
	s, _ := newServer(t)
	good := dial(t, s, "good")
	root := mount(t, good)
	create(t, good, procCreate, createArg{Dir: root, Name: "f", How: 0})
	for i, b := range junk(root) {
		conn, err := s.Dial("junk")
		if err != nil {
			t.Fatal(err)
		}
		drained := make(chan struct{})
		go func() { // net.Pipe is unbuffered: read replies while writing
			_, _ = io.Copy(io.Discard, conn)
			close(drained)
		}()
		_, _ = conn.Write(b)
		conn.Close()
		<-drained
		if _, st := getattr(t, good, root); st != nfs.NFSStatusOk {
			t.Fatalf("junk %d: server answers GETATTR with %v", i, st)
		}
	}
	fresh := dial(t, s, "fresh")
	if _, st := getattr(t, fresh, mount(t, fresh)); st != nfs.NFSStatusOk {
		t.Fatalf("fresh connection: %v", st)
	}
	if err := s.FS().Check(); err != nil {
		t.Fatal(err)
	}
}

// FuzzDispatch feeds arbitrary records to the call decoder and to the
// procedures the dispatcher serves itself.
func FuzzDispatch(f *testing.F) {
	for _, b := range junk(make([]byte, handleLen)) {
		if len(b) > 4 {
			f.Add(b[4:])
		}
	}
	s := New(newStore(), Options{})
	defer s.Close()
	f.Fuzz(func(t *testing.T, rec []byte) {
		fuzzOne(t, s, rec)
	})
}

// fuzzOne decodes rec as a call and, if it is one we serve, runs it: the
// reply must be a whole accepted reply and no procedure may panic.
func fuzzOne(t *testing.T, s *Server, rec []byte) {
	hdr, d, err := nfs3.DecodeCall(rec)
	if err != nil {
		return
	}
	c := &call{CallHeader: hdr, args: d.Remaining(), host: "fuzz"}
	_, proc, errReply := lookupProc(c)
	if errReply != nil {
		if len(errReply) < 16 {
			t.Fatalf("short error reply %x", errReply)
		}
		return
	}
	if proc.serve == nil {
		return
	}
	s.exec.Lock()
	reply := s.run(c, proc)
	s.exec.Unlock()
	if len(reply) < 28 {
		t.Fatalf("short reply %x", reply)
	}
	if st := s.Stats(); st.Panics != 0 {
		t.Fatalf("procedure %s panicked: %s", proc.name, st.LastPanic)
	}
}
