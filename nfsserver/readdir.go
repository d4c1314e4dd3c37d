package nfsserver

import (
	"encoding/binary"

	"github.com/nfsmail/nfsmail/nfs3"
	"github.com/nfsmail/nfsmail/nfsserver/simfs"
)

// READDIR and READDIRPLUS cookies: 0 starts a listing, 1 and 2 are the
// positions after "." and "..", and an entry's cookie is its store cookie
// (fixed when the name is linked, increasing) plus 2. A listing resumes
// from any cookie in O(log n + page), neither repeating nor skipping
// surviving entries while the directory changes, so the cookie verifier
// is never needed to detect staleness: it is the directory's generation
// and is not checked.
const dotCookies = 2

// Fixed sizes of the encoded result, for filling a page to the client's
// byte limits.
const (
	resOverhead  = 4 + (4 + 84) + 8 + 4 + 4 // status, dir attrs, verifier, list end, eof
	entryBase    = 4 + 8 + 4 + 8            // follows, fileid, name length, cookie
	entryPlusAdd = (4 + 84) + (4 + 4 + handleLen)
)

// listReq is a decoded READDIR or READDIRPLUS request.
type listReq struct {
	fh       []byte
	cookie   uint64
	plus     bool
	dircount uint32 // READDIRPLUS only: budget for names, fileids, cookies
	maxcount uint32 // whole reply
}

// listEntry is "." or "..".
type listEntry struct {
	name   string
	cookie uint64
	a      simfs.Attr
}

func (s *Server) readdir(c *call, r listReq) ([]byte, error) {
	dir, err := s.resolve(c, r.fh)
	var dots []listEntry
	if err == nil {
		dots, err = s.dots(dir, r.cookie)
	}
	e := nfs3.Encoder{B: make([]byte, 0, min(r.maxcount, 64<<10)+256)}
	encodeStatus(&e, err)
	s.postOp(&e, dir)
	if err != nil {
		return e.B, nil
	}
	a, _ := s.attrOf(dir)
	var verf [8]byte
	binary.BigEndian.PutUint64(verf[:], a.Generation)
	e.Fixed(verf[:])
	b := newBudget(r)
	for _, en := range dots {
		if !b.fits(en.name) {
			return tooSmall(b)
		}
		b.encode(&e, en.name, en.cookie, &en.a)
	}
	after := uint64(0)
	if r.cookie > dotCookies {
		after = r.cookie - dotCookies
	}
	eof, err := s.fs.ReadDirFunc(dir, after, func(de *simfs.DirEntry) bool {
		if !b.fits(de.Name) {
			return false
		}
		b.encode(&e, de.Name, de.Cookie+dotCookies, &de.Attr)
		return true
	})
	if err != nil || b.n == 0 && !eof {
		return tooSmall(b)
	}
	e.Bool(false)
	e.Bool(eof)
	return e.B, nil
}

// budget fills a page up to the client's byte limits.
type budget struct {
	plus        bool
	per         uint32
	maxc, dirc  uint32
	used, dused uint32
	n           int
}

func newBudget(r listReq) *budget {
	b := &budget{plus: r.plus, per: entryBase, maxc: min(r.maxcount, maxIO), dirc: min(r.dircount, maxIO),
		used: resOverhead}
	if r.plus {
		b.per += entryPlusAdd
	}
	return b
}

func (b *budget) fits(name string) bool {
	pad := uint32((len(name) + 3) &^ 3)
	if b.used+b.per+pad > b.maxc || (b.plus && b.dirc > 0 && b.dused+entryBase+pad > b.dirc) {
		return false
	}
	b.used += b.per + pad
	b.dused += entryBase + pad
	return true
}

// encode appends one entry3 or entryplus3.
func (b *budget) encode(e *nfs3.Encoder, name string, cookie uint64, a *simfs.Attr) {
	b.n++
	e.Bool(true)
	e.Uint64(uint64(a.Ino))
	e.String(name)
	e.Uint64(cookie)
	if b.plus {
		f := fattr(*a)
		nfs3.EncodePostOpAttr(e, &f)
		e.Bool(true)
		encodeHandle(e, *a)
	}
}

// tooSmall answers a page into which not even one entry fits.
func tooSmall(*budget) ([]byte, error) {
	var e nfs3.Encoder
	encodeStatus(&e, errTooSmall)
	nfs3.EncodePostOpAttr(&e, nil)
	return e.B, nil
}

// dots returns the "." and ".." entries still due after cookie.
func (s *Server) dots(dir simfs.Ino, cookie uint64) ([]listEntry, error) {
	self, err := s.fs.GetAttr(dir)
	if err != nil {
		return nil, err
	}
	if self.Type != simfs.TypeDir {
		return nil, errNotDir
	}
	if cookie >= dotCookies {
		return nil, nil
	}
	_, parent, err := s.fs.Lookup(dir, "..")
	if err != nil {
		return nil, err
	}
	all := []listEntry{{name: ".", cookie: 1, a: self}, {name: "..", cookie: 2, a: parent}}
	return all[cookie:], nil
}
