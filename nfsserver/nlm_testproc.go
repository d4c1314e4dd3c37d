package nfsserver

import (
	"errors"

	"github.com/nfsmail/nfsmail/harness/fault"
	"github.com/nfsmail/nfsmail/nfs3"
	"github.com/nfsmail/nfsmail/vfs"
)

// nlmTest serves NLM4_TEST: would this lock be granted? If not, the
// conflicting holder is returned. During the grace period it answers
// DENIED_GRACE_PERIOD, like Linux lockd.
func nlmTest(s *Server, c *call) ([]byte, error) {
	d := c.decoder()
	a := nfs3.DecodeNLMTestArgs(d)
	if err := done(d); err != nil {
		return nil, err
	}
	res := nfs3.NLMTestRes{Cookie: a.Cookie, Stat: s.nlmCheck(c, a.Lock.FH)}
	if res.Stat == nfs3.NLMGranted && s.inGrace() {
		res.Stat = nfs3.NLMDeniedGracePeriod
	}
	if res.Stat == nfs3.NLMGranted {
		start, end := rangeOf(a.Lock.Offset, a.Lock.Len)
		if l, ok := s.locks.conflict(string(a.Lock.FH), ownerOf(a.Lock), a.Exclusive, start, end); ok {
			res.Stat, res.Holder = nfs3.NLMDenied, l.holder()
		}
	}
	var e nfs3.Encoder
	res.Encode(&e)
	return e.B, nil
}

// nlmCheck validates the lock's file handle and applies an injected
// status: STALE becomes NLM4_STALE_FH, any other NLM4_FAILED.
func (s *Server) nlmCheck(c *call, fh []byte) nfs3.NLMStat {
	_, err := s.resolve(c, fh)
	var fe *fault.Error
	switch {
	case err == nil:
		return nfs3.NLMGranted
	case errors.As(err, &fe) && fe.Status != nfs3.ErrStale:
		return nfs3.NLMFailed
	case errors.Is(err, vfs.ErrStale), errors.Is(err, errBadHandle):
		return nfs3.NLMStaleFH
	}
	return nfs3.NLMFailed
}
