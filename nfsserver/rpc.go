package nfsserver

import "encoding/binary"

// RPC constants (RFC 5531).
const (
	rpcVersion = 2

	msgCall  = 0
	msgReply = 1

	msgAccepted = 0
	msgDenied   = 1

	acceptSuccess      = 0
	acceptProgUnavail  = 1
	acceptProgMismatch = 2
	acceptProcUnavail  = 3
	acceptGarbageArgs  = 4
	acceptSystemErr    = 5

	rejectRPCMismatch = 0

	maxAuthBody = 400
)

// call is a decoded RPC call header plus its undecoded arguments.
type call struct {
	xid, rpcvers     uint32
	prog, vers, proc uint32
	credFlavor       uint32
	cred             []byte
	args             []byte
}

// parseCall decodes the call header of rec. It fails (and the connection
// is closed) when rec is not a complete call header.
func parseCall(rec []byte) (*call, error) {
	r := xdrReader{b: rec}
	c := &call{xid: r.uint32()}
	if r.uint32() != msgCall {
		return nil, errGarbage
	}
	c.rpcvers, c.prog, c.vers, c.proc = r.uint32(), r.uint32(), r.uint32(), r.uint32()
	c.credFlavor = r.uint32()
	c.cred = r.opaque(maxAuthBody)
	r.uint32() // verifier flavor
	r.opaque(maxAuthBody)
	if r.err != nil {
		return nil, r.err
	}
	c.args = r.b
	return c, nil
}

// acceptedReply builds an accepted reply with a null verifier.
func acceptedReply(xid, stat uint32, body []byte) []byte {
	w := xdrWriter{b: make([]byte, 0, 24+len(body))}
	w.uint32(xid)
	w.uint32(msgReply)
	w.uint32(msgAccepted)
	w.uint32(0) // AUTH_NONE verifier
	w.uint32(0)
	w.uint32(stat)
	w.b = append(w.b, body...)
	return w.b
}

// progMismatchReply reports the supported version range.
func progMismatchReply(xid, low, high uint32) []byte {
	var w xdrWriter
	w.uint32(low)
	w.uint32(high)
	return acceptedReply(xid, acceptProgMismatch, w.b)
}

// rpcMismatchReply rejects a call whose RPC version is not 2.
func rpcMismatchReply(xid uint32) []byte {
	var w xdrWriter
	for _, v := range []uint32{xid, msgReply, msgDenied, rejectRPCMismatch, rpcVersion, rpcVersion} {
		w.uint32(v)
	}
	return w.b
}

// fixAcceptStat corrects go-nfs's accept_stat numbering in place: its enum
// skips PROG_MISMATCH, so its PROC_UNAVAIL, GARBAGE_ARGS and SYSTEM_ERR go
// out one too low (upstream issue #154). go-nfs always sends a null
// verifier, so accept_stat sits at byte 20.
func fixAcceptStat(rec []byte) {
	if len(rec) < 24 || binary.BigEndian.Uint32(rec[4:]) != msgReply ||
		binary.BigEndian.Uint32(rec[8:]) != msgAccepted || binary.BigEndian.Uint32(rec[16:]) != 0 {
		return
	}
	switch st := binary.BigEndian.Uint32(rec[20:]); st {
	case 2, 3, 4:
		binary.BigEndian.PutUint32(rec[20:], st+1)
	}
}
