package nfsserver

import "hash/crc32"

// drcChecksumLen is how much of a call the DRC checksums (knfsd's
// RC_CSUMLEN).
const drcChecksumLen = 256

// drcKey identifies a request the way knfsd's duplicate request cache
// does: client, XID, program, version, procedure and a checksum of the
// start of the call, so a reused XID with other arguments misses.
type drcKey struct {
	peer             string
	xid              uint32
	prog, vers, proc uint32
	sum              uint32
}

func keyOf(peer string, c *call, rec []byte) drcKey {
	n := min(len(rec), drcChecksumLen)
	return drcKey{peer: peer, xid: c.XID, prog: c.Prog, vers: c.Vers, proc: c.Proc,
		sum: crc32.ChecksumIEEE(rec[:n])}
}

// drc is the duplicate request cache: replies of non-idempotent calls,
// oldest evicted first. It is volatile (Restart clears it) and bounded,
// like real ones. The caller holds Server.exec.
type drc struct {
	size    int
	replies map[drcKey][]byte
	order   []drcKey // insertion order
}

func newDRC(size int) *drc {
	if size <= 0 {
		size = 1024
	}
	return &drc{size: size, replies: make(map[drcKey][]byte)}
}

func (d *drc) get(k drcKey) ([]byte, bool) {
	r, ok := d.replies[k]
	return r, ok
}

func (d *drc) put(k drcKey, reply []byte) {
	if _, ok := d.replies[k]; ok {
		return
	}
	if len(d.order) == d.size {
		delete(d.replies, d.order[0])
		d.order = append(d.order[:0], d.order[1:]...)
	}
	d.replies[k] = reply
	d.order = append(d.order, k)
}

func (d *drc) clear() {
	clear(d.replies)
	d.order = d.order[:0]
}
