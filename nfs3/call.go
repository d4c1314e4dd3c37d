package nfs3

import "fmt"

// RPC version, reject states and auth states (RFC 5531).
const (
	RPCVersion = 2

	RejectRPCMismatch = 0
	RejectAuthError   = 1

	AuthBadCred   = 1
	AuthTooWeak   = 5
	MaxAuthBody   = 400
	MaxMachine    = 255
	MaxFileHandle = 64
)

// CallHeader is the decoded header of an RPC call, as a server sees it.
type CallHeader struct {
	XID        uint32
	RPCVers    uint32
	Prog       uint32
	Vers       uint32
	Proc       uint32
	CredFlavor uint32
	Cred       []byte // credential body (aliases the message)
}

// DecodeCall parses an RPC call header and returns a decoder positioned at
// the procedure's arguments. An error means the message is not a call at
// all (a server then closes the connection); RPC version, program and
// authentication checks are left to the caller.
func DecodeCall(msg []byte) (CallHeader, *Decoder, error) {
	d := &Decoder{B: msg}
	var c CallHeader
	c.XID = d.Uint32()
	if mt := d.Uint32(); d.Err() == nil && mt != MsgCall {
		return c, nil, fmt.Errorf("rpc: message type %d is not a call", mt)
	}
	c.RPCVers, c.Prog, c.Vers, c.Proc = d.Uint32(), d.Uint32(), d.Uint32(), d.Uint32()
	c.CredFlavor = d.Uint32()
	c.Cred = d.Opaque(MaxAuthBody)
	d.Uint32() // verifier flavor
	d.Opaque(MaxAuthBody)
	if err := d.Err(); err != nil {
		return c, nil, fmt.Errorf("rpc: call header: %w", err)
	}
	return c, d, nil
}

// Machine returns the machine name of an AUTH_SYS credential ("" for
// other flavors or a malformed credential).
func (c CallHeader) Machine() string {
	if c.CredFlavor != AuthSys {
		return ""
	}
	d := Decoder{B: c.Cred}
	d.Uint32() // stamp
	name := d.String(MaxMachine)
	if d.Err() != nil {
		return ""
	}
	return name
}

// EncodeAcceptedReply starts a reply record (4 reserved bytes for the
// record mark, like EncodeCall): an accepted reply with a null verifier
// and accept_stat stat. Append the results, then MarkRecord.
func EncodeAcceptedReply(e *Encoder, xid, stat uint32) {
	e.B = append(e.B[:0], 0, 0, 0, 0)
	e.Uint32(xid)
	e.Uint32(MsgReply)
	e.Uint32(ReplyAccepted)
	e.Uint32(AuthNone)
	e.Uint32(0)
	e.Uint32(stat)
}

// EncodeProgMismatch is an accepted reply with PROG_MISMATCH and the
// supported version range, which RFC 5531 requires.
func EncodeProgMismatch(e *Encoder, xid, low, high uint32) {
	EncodeAcceptedReply(e, xid, AcceptProgMismatch)
	e.Uint32(low)
	e.Uint32(high)
}

// EncodeRPCMismatch is a denied reply for an RPC version other than 2.
func EncodeRPCMismatch(e *Encoder, xid uint32) {
	e.B = append(e.B[:0], 0, 0, 0, 0)
	for _, v := range []uint32{xid, MsgReply, ReplyDenied, RejectRPCMismatch, RPCVersion, RPCVersion} {
		e.Uint32(v)
	}
}

// EncodeAuthError is a denied reply with AUTH_ERROR and auth_stat stat.
func EncodeAuthError(e *Encoder, xid, stat uint32) {
	e.B = append(e.B[:0], 0, 0, 0, 0)
	for _, v := range []uint32{xid, MsgReply, ReplyDenied, RejectAuthError, stat} {
		e.Uint32(v)
	}
}

// EncodePostOpFH appends post_op_fh3 (nil = absent).
func EncodePostOpFH(e *Encoder, fh []byte) {
	if fh == nil {
		e.Bool(false)
		return
	}
	e.Bool(true)
	e.Opaque(fh)
}
