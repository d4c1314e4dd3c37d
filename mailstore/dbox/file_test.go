package dbox_test

import (
	"errors"
	"testing"

	"github.com/nfsmail/nfsmail/mailstore/dbox"
)

func TestEncodeParseRoundTrip(t *testing.T) {
	md := dbox.Meta{GUID: "00ff", Orig: "INBOX", Received: 0x6553f100, VSize: 9}
	data := append(dbox.FileHeader(0x6553f100), dbox.EncodeMessage([]byte("a\nb\n"), md)...)
	data = append(data, dbox.EncodeMessage([]byte("c\n"), dbox.Meta{GUID: "01"})...)
	want := "2 M1e C6553f100\n\x01\x02N          0000000000000004\na\nb\n\n\x01\x03\nG00ff\nBINBOX\nR6553f100\nV9\n\n"
	if got := string(data[:len(want)]); got != want {
		t.Fatalf("encoded %q\nwant    %q", got, want)
	}
	msgs, err := dbox.ParseFile(data)
	if err != nil || len(msgs) != 2 || msgs[0].Meta != md || string(msgs[1].Body) != "c\n" {
		t.Fatalf("ParseFile = %+v, %v", msgs, err)
	}
	if !dbox.IsOKAt(data, msgs[1].Offset) || dbox.IsOKAt(data[:len(data)-1], msgs[1].Offset) {
		t.Error("IsOKAt wrong")
	}
}

func TestParseErrors(t *testing.T) {
	good := append(dbox.FileHeader(1), dbox.EncodeMessage([]byte("x\n"), dbox.Meta{GUID: "g"})...)
	tests := []struct {
		name string
		data string
		want string
	}{
		{"no header line", "2 M1e", "around offset=0: EOF while reading file header"},
		{"version", "3 M1e C1\n", "around offset=0: Invalid dbox version"},
		{"header size", "2 C1\n", "around offset=0: Missing message header size"},
		{"short header", string(good[:20]), "around offset=9: EOF while reading message header"},
		{"magic", "2 M1e C1\n\x01\x03" + string(good[11:]), "around offset=9: msg header has bad magic value"},
		{"truncated", string(good[:40]), "around offset=9: truncated message at EOF"},
		{"metadata", string(good[:41]), "around offset=41: missing end-of-metadata line"},
	}
	for _, tc := range tests {
		_, err := dbox.ParseFile([]byte(tc.data))
		var ce *dbox.CorruptError
		if !errors.As(err, &ce) || err.Error() != tc.want {
			t.Errorf("%s: err = %v, want %q", tc.name, err, tc.want)
		}
	}
}
