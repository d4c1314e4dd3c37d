package nfsserver

import "github.com/nfsmail/nfsmail/nfs3"

// Wire constants under the names the tests use.
const (
	progNFS            = nfs3.ProgNFS
	progMount          = nfs3.ProgMount
	progNLM            = nfs3.ProgNLM
	rpcVersion         = nfs3.RPCVersion
	msgReply           = nfs3.MsgReply
	msgAccepted        = nfs3.ReplyAccepted
	acceptSuccess      = nfs3.AcceptSuccess
	acceptProgUnavail  = nfs3.AcceptProgUnavail
	acceptProgMismatch = nfs3.AcceptProgMismatch
	acceptProcUnavail  = nfs3.AcceptProcUnavail
	acceptGarbageArgs  = nfs3.AcceptGarbageArgs
	setToServerTime    = 1
)
