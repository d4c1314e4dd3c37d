package nfsserver

import (
	"encoding/binary"
	"errors"
)

// errGarbage marks arguments that do not decode (GARBAGE_ARGS).
var errGarbage = errors.New("nfsserver: garbage arguments")

// xdrReader decodes XDR (RFC 4506) from a byte slice. The first error
// sticks: later reads return zero values, so callers check err once.
type xdrReader struct {
	b   []byte
	err error
}

func (r *xdrReader) fail() {
	if r.err == nil {
		r.err = errGarbage
	}
	r.b = nil
}

func (r *xdrReader) uint32() uint32 {
	if len(r.b) < 4 {
		r.fail()
		return 0
	}
	v := binary.BigEndian.Uint32(r.b)
	r.b = r.b[4:]
	return v
}

func (r *xdrReader) uint64() uint64 {
	return uint64(r.uint32())<<32 | uint64(r.uint32())
}

func (r *xdrReader) bool() bool {
	switch r.uint32() {
	case 0:
		return false
	case 1:
		return true
	}
	r.fail()
	return false
}

// opaque reads variable-length opaque data of at most max bytes. The
// result aliases the input.
func (r *xdrReader) opaque(max int) []byte {
	n := r.uint32()
	if r.err != nil || uint64(n) > uint64(max) || uint64(n) > uint64(len(r.b)) {
		r.fail()
		return nil
	}
	v := r.b[:n]
	pad := (4 - n%4) % 4
	if uint64(n+pad) > uint64(len(r.b)) {
		r.fail()
		return nil
	}
	r.b = r.b[n+pad:]
	return v
}

// fixed reads n bytes of fixed-length opaque data (n a multiple of 4).
func (r *xdrReader) fixed(n int) []byte {
	if len(r.b) < n {
		r.fail()
		return nil
	}
	v := r.b[:n]
	r.b = r.b[n:]
	return v
}

// xdrWriter encodes XDR into a growing byte slice.
type xdrWriter struct {
	b []byte
}

func (w *xdrWriter) uint32(v uint32) { w.b = binary.BigEndian.AppendUint32(w.b, v) }
func (w *xdrWriter) uint64(v uint64) { w.b = binary.BigEndian.AppendUint64(w.b, v) }

func (w *xdrWriter) bool(v bool) {
	if v {
		w.uint32(1)
	} else {
		w.uint32(0)
	}
}

func (w *xdrWriter) opaque(v []byte) {
	w.uint32(uint32(len(v)))
	w.b = append(w.b, v...)
	for i := len(v); i%4 != 0; i++ {
		w.b = append(w.b, 0)
	}
}

// Write appends raw bytes, so go-nfs's encoders can write into w.
func (w *xdrWriter) Write(p []byte) (int, error) {
	w.b = append(w.b, p...)
	return len(p), nil
}
