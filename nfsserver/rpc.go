package nfsserver

import (
	"encoding/binary"
	"errors"

	"github.com/nfsmail/nfsmail/harness/fault"
	"github.com/nfsmail/nfsmail/nfs3"
)

// errGarbage marks arguments that do not decode (GARBAGE_ARGS).
var errGarbage = errors.New("nfsserver: garbage arguments")

// call is one RPC call being served.
type call struct {
	nfs3.CallHeader
	args []byte // the procedure's arguments
	host string
	// inject, if set, is a fault's status: the procedure answers it
	// instead of executing (reporting attributes as usual).
	inject error
	// lockFault is a LoseLock or DoubleGrant fault for NLM LOCK.
	lockFault fault.Kind
}

// decoder returns a decoder over the arguments.
func (c *call) decoder() *nfs3.Decoder { return &nfs3.Decoder{B: c.args} }

// done checks that the arguments decoded (GARBAGE_ARGS otherwise).
func done(d *nfs3.Decoder) error {
	if d.Err() != nil {
		return errGarbage
	}
	return nil
}

// Replies the dispatcher builds are whole messages: 4 bytes reserved for
// the record mark (filled in by conn.sendMsg), then the reply.

// acceptedReply builds an accepted reply carrying body.
func acceptedReply(xid, stat uint32, body []byte) []byte {
	e := nfs3.Encoder{B: make([]byte, 0, 28+len(body))}
	nfs3.EncodeAcceptedReply(&e, xid, stat)
	e.B = append(e.B, body...)
	return e.B
}

func progMismatchReply(xid, low, high uint32) []byte {
	var e nfs3.Encoder
	nfs3.EncodeProgMismatch(&e, xid, low, high)
	return e.B
}

func rpcMismatchReply(xid uint32) []byte {
	var e nfs3.Encoder
	nfs3.EncodeRPCMismatch(&e, xid)
	return e.B
}

func authErrorReply(xid, stat uint32) []byte {
	var e nfs3.Encoder
	nfs3.EncodeAuthError(&e, xid, stat)
	return e.B
}

// fixAcceptStat corrects go-nfs's accept_stat numbering in place: its enum
// skips PROG_MISMATCH, so its PROC_UNAVAIL, GARBAGE_ARGS and SYSTEM_ERR go
// out one too low (upstream issue #154). go-nfs always sends a null
// verifier, so accept_stat sits at byte 20.
func fixAcceptStat(rec []byte) {
	if len(rec) < 24 || binary.BigEndian.Uint32(rec[4:]) != nfs3.MsgReply ||
		binary.BigEndian.Uint32(rec[8:]) != nfs3.ReplyAccepted || binary.BigEndian.Uint32(rec[16:]) != 0 {
		return
	}
	switch st := binary.BigEndian.Uint32(rec[20:]); st {
	case 2, 3, 4:
		binary.BigEndian.PutUint32(rec[20:], st+1)
	}
}
