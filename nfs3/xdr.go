package nfs3

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// ErrShort is returned when a message ends before a value it should hold.
var ErrShort = errors.New("xdr: message too short")

// MaxOpaque bounds variable-length opaque data and strings on decode, so a
// forged length cannot make a decoder allocate gigabytes.
const MaxOpaque = 64 << 20

// Encoder appends XDR values to a byte slice.
type Encoder struct{ B []byte }

// Uint32 appends a 32-bit unsigned integer.
func (e *Encoder) Uint32(v uint32) { e.B = binary.BigEndian.AppendUint32(e.B, v) }

// Uint64 appends a 64-bit unsigned integer (hyper).
func (e *Encoder) Uint64(v uint64) { e.B = binary.BigEndian.AppendUint64(e.B, v) }

// Bool appends an XDR boolean.
func (e *Encoder) Bool(v bool) {
	if v {
		e.Uint32(1)
	} else {
		e.Uint32(0)
	}
}

// Opaque appends variable-length opaque data with its length and padding.
func (e *Encoder) Opaque(b []byte) {
	e.Uint32(uint32(len(b)))
	e.Fixed(b)
}

// String appends an XDR string.
func (e *Encoder) String(s string) {
	e.Uint32(uint32(len(s)))
	e.B = append(e.B, s...)
	e.pad(len(s))
}

// Fixed appends fixed-length opaque data with padding.
func (e *Encoder) Fixed(b []byte) {
	e.B = append(e.B, b...)
	e.pad(len(b))
}

func (e *Encoder) pad(n int) {
	for ; n%4 != 0; n++ {
		e.B = append(e.B, 0)
	}
}

// Decoder reads XDR values from a byte slice. The first error sticks: later
// reads return zero values, and Err reports it, so callers decode a whole
// structure and check once.
type Decoder struct {
	B   []byte
	err error
}

// Err returns the first decoding error.
func (d *Decoder) Err() error { return d.err }

// Fail records err as the decoding error unless one is already set, for
// values that decode but are invalid (an unknown union arm).
func (d *Decoder) Fail(err error) {
	if d.err == nil {
		d.err = err
	}
}

// Remaining returns the bytes not yet decoded.
func (d *Decoder) Remaining() []byte { return d.B }

func (d *Decoder) take(n int) []byte {
	if d.err != nil {
		return nil
	}
	if n < 0 || n > len(d.B) {
		d.err = ErrShort
		return nil
	}
	b := d.B[:n]
	d.B = d.B[n:]
	return b
}

// Uint32 reads a 32-bit unsigned integer.
func (d *Decoder) Uint32() uint32 {
	b := d.take(4)
	if b == nil {
		return 0
	}
	return binary.BigEndian.Uint32(b)
}

// Uint64 reads a hyper.
func (d *Decoder) Uint64() uint64 {
	b := d.take(8)
	if b == nil {
		return 0
	}
	return binary.BigEndian.Uint64(b)
}

// Bool reads an XDR boolean.
func (d *Decoder) Bool() bool {
	v := d.Uint32()
	if v > 1 && d.err == nil {
		d.err = fmt.Errorf("xdr: bad boolean %d", v)
	}
	return v == 1
}

// Opaque reads variable-length opaque data of at most max bytes. The result
// aliases the decoder's buffer.
func (d *Decoder) Opaque(max int) []byte {
	n := d.Uint32()
	if d.err == nil && int64(n) > int64(max) {
		d.err = fmt.Errorf("xdr: opaque of %d bytes exceeds %d", n, max)
		return nil
	}
	b := d.take(int(n))
	d.take((4 - int(n)%4) % 4)
	return b
}

// String reads an XDR string of at most max bytes.
func (d *Decoder) String(max int) string { return string(d.Opaque(max)) }

// Fixed reads n bytes of fixed-length opaque data.
func (d *Decoder) Fixed(n int) []byte {
	b := d.take(n)
	d.take((4 - n%4) % 4)
	return b
}
