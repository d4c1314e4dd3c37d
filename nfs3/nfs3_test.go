package nfs3

import (
	"bytes"
	"errors"
	"io/fs"
	"testing"
	"time"

	"github.com/nfsmail/nfsmail/vfs"
)

func TestXDRRoundTrip(t *testing.T) {
	var e Encoder
	e.Uint32(7)
	e.Uint64(1 << 40)
	e.Bool(true)
	e.Opaque([]byte{1, 2, 3})
	e.String("hello")
	e.Fixed([]byte{9, 9})
	if len(e.B)%4 != 0 {
		t.Fatalf("encoding not 4-aligned: %d bytes", len(e.B))
	}
	d := Decoder{B: e.B}
	if d.Uint32() != 7 || d.Uint64() != 1<<40 || !d.Bool() || !bytes.Equal(d.Opaque(10), []byte{1, 2, 3}) ||
		d.String(10) != "hello" || !bytes.Equal(d.Fixed(2), []byte{9, 9}) || d.Err() != nil || len(d.Remaining()) != 0 {
		t.Fatalf("round trip failed: %v", d.Err())
	}
}

func TestDecoderRejectsForgedLengths(t *testing.T) {
	var e Encoder
	e.Uint32(1 << 30) // claims a gigabyte follows
	d := Decoder{B: e.B}
	if d.Opaque(MaxOpaque); d.Err() == nil {
		t.Fatal("forged opaque length accepted")
	}
	d = Decoder{B: []byte{0, 0, 0, 2}}
	if d.Bool(); d.Err() == nil {
		t.Fatal("boolean 2 accepted")
	}
}

func TestFattrRoundTrip(t *testing.T) {
	a := Fattr{Type: TypeReg, Mode: 0o644, Nlink: 2, Size: 10, FileID: 77,
		Atime: time.Unix(1, 2).UTC(), Mtime: time.Unix(3, 4).UTC(), Ctime: time.Unix(5, 6).UTC()}
	var e Encoder
	EncodePostOpAttr(&e, &a)
	d := Decoder{B: e.B}
	got, ok := DecodePostOpAttr(&d)
	if !ok || got != a || d.Err() != nil {
		t.Fatalf("got %+v", got)
	}
}

func TestStatusErrorsMatchSentinels(t *testing.T) {
	for st, want := range map[Status]error{ErrNoEnt: fs.ErrNotExist, ErrExist: fs.ErrExist, ErrStale: vfs.ErrStale,
		ErrNotEmpty: vfs.ErrNotEmpty, ErrNotSupp: vfs.ErrUnsupported, ErrJukebox: vfs.ErrIO} {
		if err := StatusError(st); !errors.Is(err, want) {
			t.Errorf("status %d: %v does not match %v", st, err, want)
		}
	}
	if StatusError(OK) != nil {
		t.Error("OK is an error")
	}
}

// FuzzDecodeReply feeds arbitrary bytes to the reply and attribute
// decoders: they must fail cleanly, never panic or over-allocate.
func FuzzDecodeReply(f *testing.F) {
	var e Encoder
	EncodeCall(&e, Call{XID: 1, Prog: ProgNFS, Vers: 3, Proc: 1, Machine: "h"})
	f.Add(e.B[4:])
	f.Add([]byte{0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		_, d, err := DecodeReply(b)
		if err != nil {
			return
		}
		DecodePostOpAttr(d)
		DecodeWcc(d)
		d.Opaque(MaxOpaque)
	})
}

func TestReadRecordJoinsFragments(t *testing.T) {
	var buf bytes.Buffer
	buf.Write([]byte{0, 0, 0, 2, 'a', 'b'})
	buf.Write([]byte{0x80, 0, 0, 1, 'c'})
	rec, err := ReadRecord(&buf, nil)
	if err != nil || string(rec) != "abc" {
		t.Fatalf("%q %v", rec, err)
	}
	big := bytes.NewReader([]byte{0xff, 0xff, 0xff, 0xff})
	if _, err := ReadRecord(big, nil); !errors.Is(err, ErrRecordTooLarge) {
		t.Fatalf("oversized record: %v", err)
	}
}
