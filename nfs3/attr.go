package nfs3

import (
	"fmt"
	"time"
)

// File types (ftype3).
const (
	TypeReg  = 1
	TypeDir  = 2
	TypeLink = 5
)

// Fattr is fattr3: the attributes every reply carries.
type Fattr struct {
	Type   uint32
	Mode   uint32
	Nlink  uint32
	UID    uint32
	GID    uint32
	Size   uint64
	Used   uint64
	Rdev   [2]uint32
	FSID   uint64
	FileID uint64
	Atime  time.Time
	Mtime  time.Time
	Ctime  time.Time
}

// IsDir reports whether the attributes describe a directory.
func (a *Fattr) IsDir() bool { return a.Type == TypeDir }

// Encode appends fattr3.
func (a *Fattr) Encode(e *Encoder) {
	e.Uint32(a.Type)
	e.Uint32(a.Mode)
	e.Uint32(a.Nlink)
	e.Uint32(a.UID)
	e.Uint32(a.GID)
	e.Uint64(a.Size)
	e.Uint64(a.Used)
	e.Uint32(a.Rdev[0])
	e.Uint32(a.Rdev[1])
	e.Uint64(a.FSID)
	e.Uint64(a.FileID)
	EncodeTime(e, a.Atime)
	EncodeTime(e, a.Mtime)
	EncodeTime(e, a.Ctime)
}

// DecodeFattr reads fattr3.
func DecodeFattr(d *Decoder) Fattr {
	var a Fattr
	a.Type = d.Uint32()
	a.Mode = d.Uint32()
	a.Nlink = d.Uint32()
	a.UID = d.Uint32()
	a.GID = d.Uint32()
	a.Size = d.Uint64()
	a.Used = d.Uint64()
	a.Rdev[0] = d.Uint32()
	a.Rdev[1] = d.Uint32()
	a.FSID = d.Uint64()
	a.FileID = d.Uint64()
	a.Atime = DecodeTime(d)
	a.Mtime = DecodeTime(d)
	a.Ctime = DecodeTime(d)
	return a
}

// EncodeTime appends nfstime3 (seconds, nanoseconds).
func EncodeTime(e *Encoder, t time.Time) {
	e.Uint32(uint32(t.Unix()))
	e.Uint32(uint32(t.Nanosecond()))
}

// DecodeTime reads nfstime3.
func DecodeTime(d *Decoder) time.Time {
	s := d.Uint32()
	ns := d.Uint32()
	return time.Unix(int64(s), int64(ns)).UTC()
}

// DecodePostOpAttr reads post_op_attr; ok is false when absent.
func DecodePostOpAttr(d *Decoder) (a Fattr, ok bool) {
	if d.Bool() {
		return DecodeFattr(d), true
	}
	return Fattr{}, false
}

// EncodePostOpAttr appends post_op_attr (nil = absent).
func EncodePostOpAttr(e *Encoder, a *Fattr) {
	if a == nil {
		e.Bool(false)
		return
	}
	e.Bool(true)
	a.Encode(e)
}

// WccAttr is wcc_attr: the pre-operation size and times.
type WccAttr struct {
	Size  uint64
	Mtime time.Time
	Ctime time.Time
}

// Wcc is wcc_data.
type Wcc struct {
	Before    WccAttr
	HasBefore bool
	After     Fattr
	HasAfter  bool
}

// DecodeWcc reads wcc_data.
func DecodeWcc(d *Decoder) Wcc {
	var w Wcc
	if d.Bool() {
		w.HasBefore = true
		w.Before.Size = d.Uint64()
		w.Before.Mtime = DecodeTime(d)
		w.Before.Ctime = DecodeTime(d)
	}
	w.After, w.HasAfter = DecodePostOpAttr(d)
	return w
}

// EncodeWcc appends wcc_data; nil pointers are encoded as absent.
func EncodeWcc(e *Encoder, before *WccAttr, after *Fattr) {
	if before == nil {
		e.Bool(false)
	} else {
		e.Bool(true)
		e.Uint64(before.Size)
		EncodeTime(e, before.Mtime)
		EncodeTime(e, before.Ctime)
	}
	EncodePostOpAttr(e, after)
}

// Sattr is sattr3: which attributes a SETATTR/CREATE sets.
type Sattr struct {
	Mode     *uint32
	UID, GID *uint32
	Size     *uint64
	Atime    *time.Time // nil = don't change
	Mtime    *time.Time
	// AtimeNow and MtimeNow are SET_TO_SERVER_TIME; they win over Atime
	// and Mtime.
	AtimeNow, MtimeNow bool
}

// time_how values of sattr3.
const (
	dontChange      = 0
	setToServerTime = 1
	setToClientTime = 2
)

// Encode appends sattr3.
func (s *Sattr) Encode(e *Encoder) {
	encOpt32(e, s.Mode)
	encOpt32(e, s.UID)
	encOpt32(e, s.GID)
	if s.Size != nil {
		e.Bool(true)
		e.Uint64(*s.Size)
	} else {
		e.Bool(false)
	}
	encTime(e, s.Atime, s.AtimeNow)
	encTime(e, s.Mtime, s.MtimeNow)
}

// DecodeSattr reads sattr3; a bad time_how sets the decoder's error.
func DecodeSattr(d *Decoder) Sattr {
	var s Sattr
	s.Mode = decOpt32(d)
	s.UID = decOpt32(d)
	s.GID = decOpt32(d)
	if d.Bool() {
		v := d.Uint64()
		s.Size = &v
	}
	s.Atime, s.AtimeNow = decTime(d)
	s.Mtime, s.MtimeNow = decTime(d)
	return s
}

func encOpt32(e *Encoder, v *uint32) {
	if v == nil {
		e.Bool(false)
		return
	}
	e.Bool(true)
	e.Uint32(*v)
}

func decOpt32(d *Decoder) *uint32 {
	if !d.Bool() {
		return nil
	}
	v := d.Uint32()
	return &v
}

func encTime(e *Encoder, t *time.Time, now bool) {
	switch {
	case now:
		e.Uint32(setToServerTime)
	case t == nil:
		e.Uint32(dontChange)
	default:
		e.Uint32(setToClientTime)
		EncodeTime(e, *t)
	}
}

func decTime(d *Decoder) (*time.Time, bool) {
	switch d.Uint32() {
	case dontChange:
		return nil, false
	case setToServerTime:
		return nil, true
	case setToClientTime:
		t := DecodeTime(d)
		return &t, false
	}
	d.Fail(fmt.Errorf("xdr: bad time_how"))
	return nil, false
}
