package nfsserver

import "github.com/nfsmail/nfsmail/nfs3"

// nlmCancel serves NLM4_CANCEL: withdraw a blocked LOCK. It answers
// GRANTED if the request was waiting and DENIED if there was none, as
// Linux lockd does.
func nlmCancel(s *Server, c *call) ([]byte, error) {
	d := c.decoder()
	a := nfs3.DecodeNLMCancelArgs(d)
	if err := done(d); err != nil {
		return nil, err
	}
	res := nfs3.NLMRes{Cookie: a.Cookie, Stat: s.nlmCheck(c, a.Lock.FH)}
	if res.Stat == nfs3.NLMGranted {
		k := blockKey{string(a.Lock.FH), ownerOf(a.Lock)}
		switch {
		case s.inGrace():
			res.Stat = nfs3.NLMDeniedGracePeriod
		case s.locks.blocked[k]:
			delete(s.locks.blocked, k)
		default:
			res.Stat = nfs3.NLMDenied
		}
	}
	var e nfs3.Encoder
	res.Encode(&e)
	return e.B, nil
}
