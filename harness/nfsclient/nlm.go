package nfsclient

import (
	"cmp"
	"encoding/binary"
	"fmt"
	"slices"
	"time"

	"github.com/nfsmail/nfsmail/nfs3"
	"github.com/nfsmail/nfsmail/vfs"
)

// maxLockPoll caps the backoff of a blocked lock's polling (Linux waits
// for the server's GRANTED callback instead, re-sending every 30 s).
const maxLockPoll = 2 * time.Second

// graceWait is how long the Linux client waits before asking again when the
// server is in its grace period (NLMCLNT_GRACE_WAIT).
const graceWait = 5 * time.Second

// nlmHeld is a lock this host holds on the server, kept for reclaims.
type nlmHeld struct {
	f    *file
	excl bool
}

// nlmLock is the NLM side of file.Lock: the server arbitrates between all
// hosts. A blocking request that conflicts is asked again after lockPoll,
// doubling up to maxLockPoll (the model polls instead of waiting for the
// server's GRANTED callback);
// during the server's grace period every request waits graceWait and asks
// again, as Linux does.
func (f *file) nlmLock(typ vfs.LockType, wait bool) error {
	m := f.m
	poll := lockPoll
	for {
		st, err := m.nlmCall(f, typ, wait, false)
		if err != nil {
			return err
		}
		switch st {
		case nfs3.NLMGranted:
			m.nlmGranted(f, typ)
			return nil
		case nfs3.NLMDeniedGracePeriod:
			if typ == vfs.Unlock {
				// Linux drops the lock locally at once and its lockd
				// resends the UNLOCK every NLMCLNT_GRACE_WAIT until the
				// grace period is over (nlmclnt_unlock_callback)
				m.nlmGranted(f, typ)
				m.nlmUnlocks = append(m.nlmUnlocks, pendingUnlock{f: f, at: m.clock.Now() + graceWait})
				return nil
			}
			m.clock.Sleep(graceWait)
		case nfs3.NLMBlocked, nfs3.NLMDenied:
			if !wait {
				return vfs.ErrWouldBlock
			}
			m.clock.Sleep(poll)
			poll = min(2*poll, maxLockPoll)
		case nfs3.NLMStaleFH:
			f.ino.stale = true
			return vfs.ErrStale
		default:
			return fmt.Errorf("%w: server answered %s", vfs.ErrNoLocks, st)
		}
		if f.closed {
			return vfs.ErrNoLocks
		}
	}
}

func (m *Mount) nlmGranted(f *file, typ vfs.LockType) {
	if m.nlmHeld == nil {
		m.nlmHeld = map[*file]nlmHeld{}
	}
	if typ == vfs.Unlock {
		delete(m.nlmHeld, f)
		return
	}
	m.nlmHeld[f] = nlmHeld{f: f, excl: typ == vfs.WriteLock}
}

// pendingUnlock is an UNLOCK to send again at virtual time at.
type pendingUnlock struct {
	f  *file
	at time.Duration
}

// resendUnlocks sends the UNLOCKs refused during a grace period whose
// wait is over. The model's lockd has no thread of its own: it resends
// when the mount next talks NLM.
func (m *Mount) resendUnlocks() {
	if len(m.nlmUnlocks) == 0 {
		return
	}
	now := m.clock.Now()
	pending := m.nlmUnlocks
	m.nlmUnlocks = nil
	for _, u := range pending {
		if u.at > now {
			m.nlmUnlocks = append(m.nlmUnlocks, u)
			continue
		}
		if st, err := m.nlmSend(u.f, vfs.Unlock, false, false); err == nil && st == nfs3.NLMDeniedGracePeriod {
			m.nlmUnlocks = append(m.nlmUnlocks, pendingUnlock{f: u.f, at: now + graceWait})
		}
	}
}

// nlmCall sends one LOCK or UNLOCK for the whole file, after any UNLOCK
// due again.
func (m *Mount) nlmCall(f *file, typ vfs.LockType, block, reclaim bool) (nfs3.NLMStat, error) {
	m.resendUnlocks()
	return m.nlmSend(f, typ, block, reclaim)
}

func (m *Mount) nlmSend(f *file, typ vfs.LockType, block, reclaim bool) (nfs3.NLMStat, error) {
	m.nlmCookie++
	cookie := binary.BigEndian.AppendUint64(nil, m.nlmCookie)
	lock := nfs3.NLMLock{CallerName: m.host, FH: f.ino.fh, OH: f.owner(), SVID: int32(f.id)}
	proc, name := uint32(nfs3.NLMProcLock), "NLM_LOCK"
	args := func(e *nfs3.Encoder) {
		(&nfs3.NLMLockArgs{Cookie: cookie, Block: block, Exclusive: typ == vfs.WriteLock,
			Lock: lock, Reclaim: reclaim, State: m.nsmState}).Encode(e)
	}
	if typ == vfs.Unlock {
		proc, name = nfs3.NLMProcUnlock, "NLM_UNLOCK"
		args = func(e *nfs3.Encoder) { (&nfs3.NLMUnlockArgs{Cookie: cookie, Lock: lock}).Encode(e) }
	}
	d, err := m.rpc(nfs3.ProgNLM, nfs3.VersNLM, proc, name, args)
	if err != nil {
		return 0, fmt.Errorf("%w: %w", vfs.ErrNoLocks, err)
	}
	res := nfs3.DecodeNLMRes(d)
	return res.Stat, d.Err()
}

// owner is the NLM owner handle of an open file description.
func (f *file) owner() []byte {
	return fmt.Appendf(nil, "%s/%d", f.m.host, f.id)
}

// Reclaim re-requests every NLM lock this host holds with the reclaim flag,
// as the client's lockd does when the server's status monitor reports that
// the server restarted. It returns the locks the server refused: Linux only
// logs "lockd: failed to reclaim lock" and the process keeps believing it
// holds them.
func (m *Mount) Reclaim() (lost int, err error) {
	for _, h := range m.sortedHeld() {
		typ := vfs.ReadLock
		if h.excl {
			typ = vfs.WriteLock
		}
		st, err := m.nlmCall(h.f, typ, false, true)
		if err != nil {
			return lost, err
		}
		if st != nfs3.NLMGranted {
			lost++
		}
	}
	return lost, nil
}

// sortedHeld lists held locks in the order the files were opened, so
// reclaims are sent deterministically.
func (m *Mount) sortedHeld() []nlmHeld {
	out := make([]nlmHeld, 0, len(m.nlmHeld))
	for _, h := range m.nlmHeld {
		out = append(out, h)
	}
	slices.SortFunc(out, func(a, b nlmHeld) int { return cmp.Compare(a.f.id, b.f.id) })
	return out
}

// rebooted tells the server's lock service that this host restarted
// (the status monitor's SM_NOTIFY; the server frees the host's locks).
func (m *Mount) rebooted() {
	m.nsmState += 2
	m.nlmHeld = nil
	m.rpc(nfs3.ProgNLM, nfs3.VersNLM, nfs3.NLMProcFreeAll, "NLM_FREE_ALL", func(e *nfs3.Encoder) {
		(&nfs3.NLMNotify{Name: m.host, State: m.nsmState}).Encode(e)
	})
}
