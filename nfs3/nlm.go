package nfs3

// NLM version 4 (the lock protocol that goes with NFSv3; program
// ProgNLM, version VersNLM) wire types. Every type has Encode and a
// Decode function, so both the server and the client model use them.

// NLM procedures served (the _MSG/_RES callback variants, GRANTED, SHARE
// and UNSHARE are not).
const (
	NLMProcNull    = 0
	NLMProcTest    = 1
	NLMProcLock    = 2
	NLMProcCancel  = 3
	NLMProcUnlock  = 4
	NLMProcGranted = 5
	NLMProcFreeAll = 23
)

// NLMStat is nlm4_stats.
type NLMStat uint32

// NLM statuses.
const (
	NLMGranted           NLMStat = 0
	NLMDenied            NLMStat = 1
	NLMDeniedNoLocks     NLMStat = 2
	NLMBlocked           NLMStat = 3
	NLMDeniedGracePeriod NLMStat = 4
	NLMDeadlock          NLMStat = 5
	NLMROFS              NLMStat = 6
	NLMStaleFH           NLMStat = 7
	NLMFBig              NLMStat = 8
	NLMFailed            NLMStat = 9
	MaxNetobj                    = 1024
	MaxNLMName                   = 1024
)

func (s NLMStat) String() string {
	names := [...]string{"GRANTED", "DENIED", "DENIED_NOLOCKS", "BLOCKED", "DENIED_GRACE_PERIOD",
		"DEADLCK", "ROFS", "STALE_FH", "FBIG", "FAILED"}
	if int(s) < len(names) {
		return "NLM4_" + names[s]
	}
	return "NLM4_STAT_UNKNOWN"
}

// NLMLock is nlm4_lock: who locks which byte range of which file. Len 0
// means "to the end of the file, however long it grows".
type NLMLock struct {
	CallerName string
	FH         []byte
	OH         []byte // owner handle
	SVID       int32  // process id on the caller
	Offset     uint64
	Len        uint64
}

// Encode appends nlm4_lock.
func (l *NLMLock) Encode(e *Encoder) {
	e.String(l.CallerName)
	e.Opaque(l.FH)
	e.Opaque(l.OH)
	e.Uint32(uint32(l.SVID))
	e.Uint64(l.Offset)
	e.Uint64(l.Len)
}

// DecodeNLMLock reads nlm4_lock.
func DecodeNLMLock(d *Decoder) NLMLock {
	return NLMLock{CallerName: d.String(MaxNLMName), FH: d.Opaque(MaxNetobj), OH: d.Opaque(MaxNetobj),
		SVID: int32(d.Uint32()), Offset: d.Uint64(), Len: d.Uint64()}
}

// NLMHolder is nlm4_holder: the conflicting lock a TEST reports.
type NLMHolder struct {
	Exclusive bool
	SVID      int32
	OH        []byte
	Offset    uint64
	Len       uint64
}

// Encode appends nlm4_holder.
func (h *NLMHolder) Encode(e *Encoder) {
	e.Bool(h.Exclusive)
	e.Uint32(uint32(h.SVID))
	e.Opaque(h.OH)
	e.Uint64(h.Offset)
	e.Uint64(h.Len)
}

// DecodeNLMHolder reads nlm4_holder.
func DecodeNLMHolder(d *Decoder) NLMHolder {
	return NLMHolder{Exclusive: d.Bool(), SVID: int32(d.Uint32()), OH: d.Opaque(MaxNetobj),
		Offset: d.Uint64(), Len: d.Uint64()}
}

// NLMTestArgs is nlm4_testargs.
type NLMTestArgs struct {
	Cookie    []byte
	Exclusive bool
	Lock      NLMLock
}

// Encode appends nlm4_testargs.
func (a *NLMTestArgs) Encode(e *Encoder) {
	e.Opaque(a.Cookie)
	e.Bool(a.Exclusive)
	a.Lock.Encode(e)
}

// DecodeNLMTestArgs reads nlm4_testargs.
func DecodeNLMTestArgs(d *Decoder) NLMTestArgs {
	return NLMTestArgs{Cookie: d.Opaque(MaxNetobj), Exclusive: d.Bool(), Lock: DecodeNLMLock(d)}
}

// NLMTestRes is nlm4_testres; Holder is meaningful when Stat is
// NLMDenied.
type NLMTestRes struct {
	Cookie []byte
	Stat   NLMStat
	Holder NLMHolder
}

// Encode appends nlm4_testres.
func (r *NLMTestRes) Encode(e *Encoder) {
	e.Opaque(r.Cookie)
	e.Uint32(uint32(r.Stat))
	if r.Stat == NLMDenied {
		r.Holder.Encode(e)
	}
}

// DecodeNLMTestRes reads nlm4_testres.
func DecodeNLMTestRes(d *Decoder) NLMTestRes {
	r := NLMTestRes{Cookie: d.Opaque(MaxNetobj), Stat: NLMStat(d.Uint32())}
	if r.Stat == NLMDenied {
		r.Holder = DecodeNLMHolder(d)
	}
	return r
}

// NLMLockArgs is nlm4_lockargs.
type NLMLockArgs struct {
	Cookie    []byte
	Block     bool
	Exclusive bool
	Lock      NLMLock
	Reclaim   bool
	State     int32 // the caller's NSM state number
}

// Encode appends nlm4_lockargs.
func (a *NLMLockArgs) Encode(e *Encoder) {
	e.Opaque(a.Cookie)
	e.Bool(a.Block)
	e.Bool(a.Exclusive)
	a.Lock.Encode(e)
	e.Bool(a.Reclaim)
	e.Uint32(uint32(a.State))
}

// DecodeNLMLockArgs reads nlm4_lockargs.
func DecodeNLMLockArgs(d *Decoder) NLMLockArgs {
	return NLMLockArgs{Cookie: d.Opaque(MaxNetobj), Block: d.Bool(), Exclusive: d.Bool(),
		Lock: DecodeNLMLock(d), Reclaim: d.Bool(), State: int32(d.Uint32())}
}

// NLMCancelArgs is nlm4_cancargs.
type NLMCancelArgs struct {
	Cookie    []byte
	Block     bool
	Exclusive bool
	Lock      NLMLock
}

// Encode appends nlm4_cancargs.
func (a *NLMCancelArgs) Encode(e *Encoder) {
	e.Opaque(a.Cookie)
	e.Bool(a.Block)
	e.Bool(a.Exclusive)
	a.Lock.Encode(e)
}

// DecodeNLMCancelArgs reads nlm4_cancargs.
func DecodeNLMCancelArgs(d *Decoder) NLMCancelArgs {
	return NLMCancelArgs{Cookie: d.Opaque(MaxNetobj), Block: d.Bool(), Exclusive: d.Bool(),
		Lock: DecodeNLMLock(d)}
}

// NLMUnlockArgs is nlm4_unlockargs.
type NLMUnlockArgs struct {
	Cookie []byte
	Lock   NLMLock
}

// Encode appends nlm4_unlockargs.
func (a *NLMUnlockArgs) Encode(e *Encoder) {
	e.Opaque(a.Cookie)
	a.Lock.Encode(e)
}

// DecodeNLMUnlockArgs reads nlm4_unlockargs.
func DecodeNLMUnlockArgs(d *Decoder) NLMUnlockArgs {
	return NLMUnlockArgs{Cookie: d.Opaque(MaxNetobj), Lock: DecodeNLMLock(d)}
}

// NLMRes is nlm4_res, the result of LOCK, CANCEL and UNLOCK.
type NLMRes struct {
	Cookie []byte
	Stat   NLMStat
}

// Encode appends nlm4_res.
func (r *NLMRes) Encode(e *Encoder) {
	e.Opaque(r.Cookie)
	e.Uint32(uint32(r.Stat))
}

// DecodeNLMRes reads nlm4_res.
func DecodeNLMRes(d *Decoder) NLMRes {
	return NLMRes{Cookie: d.Opaque(MaxNetobj), Stat: NLMStat(d.Uint32())}
}

// NLMNotify is nlm4_notify, the argument of FREE_ALL: drop every lock of
// host Name (it rebooted; State is its new NSM state).
type NLMNotify struct {
	Name  string
	State int32
}

// Encode appends nlm4_notify.
func (n *NLMNotify) Encode(e *Encoder) {
	e.String(n.Name)
	e.Uint32(uint32(n.State))
}

// DecodeNLMNotify reads nlm4_notify.
func DecodeNLMNotify(d *Decoder) NLMNotify {
	return NLMNotify{Name: d.String(MaxNLMName), State: int32(d.Uint32())}
}
