package nfs3

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// MaxRecord bounds an RPC record (all fragments) that ReadRecord accepts.
const MaxRecord = 16 << 20

// Message types, reply and accept states (RFC 5531).
const (
	MsgCall  = 0
	MsgReply = 1

	ReplyAccepted = 0
	ReplyDenied   = 1

	AcceptSuccess      = 0
	AcceptProgUnavail  = 1
	AcceptProgMismatch = 2
	AcceptProcUnavail  = 3
	AcceptGarbageArgs  = 4
	AcceptSystemErr    = 5

	AuthNone = 0
	AuthSys  = 1
)

// ErrRecordTooLarge is returned for records over MaxRecord.
var ErrRecordTooLarge = errors.New("rpc: record too large")

// ReadRecord reads one record-marked RPC message, joining its fragments.
func ReadRecord(r io.Reader, buf []byte) ([]byte, error) {
	buf = buf[:0]
	var hdr [4]byte
	for {
		if _, err := io.ReadFull(r, hdr[:]); err != nil {
			return nil, err
		}
		v := binary.BigEndian.Uint32(hdr[:])
		n := int(v & 0x7fffffff)
		if len(buf)+n > MaxRecord {
			return nil, ErrRecordTooLarge
		}
		start := len(buf)
		buf = append(buf, make([]byte, n)...)
		if _, err := io.ReadFull(r, buf[start:]); err != nil {
			return nil, err
		}
		if v&0x80000000 != 0 {
			return buf, nil
		}
	}
}

// MarkRecord prefixes msg (whose first 4 bytes are reserved) with a
// last-fragment record mark in place and returns it.
func MarkRecord(msg []byte) []byte {
	binary.BigEndian.PutUint32(msg[:4], uint32(len(msg)-4)|0x80000000)
	return msg
}

// Call is the header of an RPC call.
type Call struct {
	XID     uint32
	Prog    uint32
	Vers    uint32
	Proc    uint32
	Machine string // AUTH_SYS machine name ("" = AUTH_NONE)
}

// EncodeCall starts a record: 4 reserved bytes for the record mark, then
// the call header. Append the arguments to e, then pass e.B to MarkRecord.
func EncodeCall(e *Encoder, c Call) {
	e.B = append(e.B[:0], 0, 0, 0, 0)
	e.Uint32(c.XID)
	e.Uint32(MsgCall)
	e.Uint32(2)
	e.Uint32(c.Prog)
	e.Uint32(c.Vers)
	e.Uint32(c.Proc)
	if c.Machine == "" {
		e.Uint32(AuthNone)
		e.Uint32(0)
	} else {
		var cred Encoder
		cred.Uint32(0) // stamp
		cred.String(c.Machine)
		cred.Uint32(0) // uid
		cred.Uint32(0) // gid
		cred.Uint32(0) // gids
		e.Uint32(AuthSys)
		e.Opaque(cred.B)
	}
	e.Uint32(AuthNone) // verifier
	e.Uint32(0)
}

// ReplyError is an RPC-level failure (not an NFS status).
type ReplyError struct {
	Denied bool
	Stat   uint32 // accept_stat or reject_stat
}

func (e *ReplyError) Error() string {
	if e.Denied {
		return fmt.Sprintf("rpc: call denied (reject_stat %d)", e.Stat)
	}
	return fmt.Sprintf("rpc: call not executed (accept_stat %d)", e.Stat)
}

// DecodeReply parses a reply header and returns its XID and a decoder
// positioned at the procedure's results.
func DecodeReply(msg []byte) (xid uint32, d *Decoder, err error) {
	d = &Decoder{B: msg}
	xid = d.Uint32()
	if mt := d.Uint32(); d.Err() == nil && mt != MsgReply {
		return xid, nil, fmt.Errorf("rpc: message type %d is not a reply", mt)
	}
	if d.Uint32() == ReplyDenied {
		return xid, nil, &ReplyError{Denied: true, Stat: d.Uint32()}
	}
	d.Uint32()    // verifier flavor
	d.Opaque(400) // verifier body
	stat := d.Uint32()
	if d.Err() != nil {
		return xid, nil, fmt.Errorf("rpc: reply header: %w", d.Err())
	}
	if stat != AcceptSuccess {
		return xid, nil, &ReplyError{Stat: stat}
	}
	return xid, d, nil
}
