package nfsserver

import "github.com/nfsmail/nfsmail/nfs3"

// nlmUnlock serves NLM4_UNLOCK: release the owner's locks in the range
// (unlocking what is not locked succeeds). During the grace period it is
// refused with DENIED_GRACE_PERIOD, as in Linux lockd; the Linux client
// then drops the lock locally anyway.
func nlmUnlock(s *Server, c *call) ([]byte, error) {
	d := c.decoder()
	a := nfs3.DecodeNLMUnlockArgs(d)
	if err := done(d); err != nil {
		return nil, err
	}
	res := nfs3.NLMRes{Cookie: a.Cookie, Stat: s.nlmCheck(c, a.Lock.FH)}
	if res.Stat == nfs3.NLMGranted {
		if s.inGrace() {
			res.Stat = nfs3.NLMDeniedGracePeriod
		} else {
			start, end := rangeOf(a.Lock.Offset, a.Lock.Len)
			s.locks.release(string(a.Lock.FH), ownerOf(a.Lock), start, end)
		}
	}
	var e nfs3.Encoder
	res.Encode(&e)
	return e.B, nil
}
