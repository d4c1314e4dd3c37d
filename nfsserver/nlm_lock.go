package nfsserver

import (
	"github.com/nfsmail/nfsmail/harness/fault"
	"github.com/nfsmail/nfsmail/nfs3"
)

// nlmLock serves NLM4_LOCK. Locks are keyed by file handle and owned by
// (caller_name, oh, svid); shared locks coexist, exclusive ones exclude.
//
// Blocking requests: a conflicting LOCK with block=true is answered
// NLM4_BLOCKED and remembered; the server sends no GRANTED callback (Linux
// lockd would, and its client sleeps until it arrives). Instead the client
// polls: the same owner sending LOCK again once the range is free is
// granted.
//
// Grace period: after a restart, only reclaim=true requests are granted
// (others get NLM4_DENIED_GRACE_PERIOD); after it, reclaims are refused
// the same way, as in Linux's nlmsvc_lock.
//
// Faults: LoseLock grants and forgets the lock at once (the client
// believes it holds a lock nobody knows about); DoubleGrant grants despite
// a conflict.
func nlmLock(s *Server, c *call) ([]byte, error) {
	d := c.decoder()
	a := nfs3.DecodeNLMLockArgs(d)
	if err := done(d); err != nil {
		return nil, err
	}
	res := nfs3.NLMRes{Cookie: a.Cookie, Stat: s.nlmCheck(c, a.Lock.FH)}
	if res.Stat == nfs3.NLMGranted {
		res.Stat = s.lock(c, a)
	}
	var e nfs3.Encoder
	res.Encode(&e)
	return e.B, nil
}

func (s *Server) lock(c *call, a nfs3.NLMLockArgs) nfs3.NLMStat {
	if s.inGrace() != a.Reclaim {
		return nfs3.NLMDeniedGracePeriod
	}
	fh, o := string(a.Lock.FH), ownerOf(a.Lock)
	start, end := rangeOf(a.Lock.Offset, a.Lock.Len)
	if _, busy := s.locks.conflict(fh, o, a.Exclusive, start, end); busy && c.lockFault != fault.DoubleGrant {
		if !a.Block {
			return nfs3.NLMDenied
		}
		s.locks.blocked[blockKey{fh, o}] = true
		return nfs3.NLMBlocked
	}
	l := byteLock{owner: o, excl: a.Exclusive, start: start, end: end}
	s.locks.grant(fh, l)
	if c.lockFault == fault.LoseLock {
		s.locks.release(fh, o, start, end)
	}
	return nfs3.NLMGranted
}
