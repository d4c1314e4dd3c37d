package maildir

import (
	"testing"
	"time"

	"github.com/nfsmail/nfsmail/mailstore"
)

func TestNameGen(t *testing.T) {
	t0 := time.Unix(1700000000, 123456789)
	var g nameGen
	steps := []struct {
		now  time.Time
		want string
	}{
		{t0, "1700000000.M123456P42.mx1"},
		{t0, "1700000000.M123457P42.mx1"},                 // same instant: +1 µs
		{t0.Add(-time.Hour), "1700000000.M123458P42.mx1"}, // clock went back
		{time.Unix(1700000000, 999999000), "1700000000.M999999P42.mx1"},
		{time.Unix(1700000000, 999999000), "1700000001.M0P42.mx1"}, // µs wrap
		{t0.Add(time.Second), "1700000001.M123456P42.mx1"},
	}
	for i, s := range steps {
		if got := g.next(s.now, 42, "mx1"); got != s.want {
			t.Errorf("step %d: next = %q, want %q", i, got, s.want)
		}
	}
}

func TestFilenameParsing(t *testing.T) {
	tests := []struct {
		name        string
		base        string
		size, vsize int64
		hasSize     bool
		flags       mailstore.Flags
	}{
		{"1.M2P3.h,S=10,W=12", "1.M2P3.h,S=10,W=12", 10, 12, true, 0},
		{"1.M2P3.h,S=10,W=12:2,", "1.M2P3.h,S=10,W=12", 10, 12, true, 0},
		{"1.M2P3.h,S=10:2,FS", "1.M2P3.h,S=10", 10, 0, true, mailstore.Flagged | mailstore.Seen},
		{"1.M2P3.h:2,DFRST", "1.M2P3.h", 0, 0, false, mailstore.Draft | mailstore.Flagged | mailstore.Answered | mailstore.Seen | mailstore.Deleted},
		{"1.M2P3.h,S=1x:2,S", "1.M2P3.h,S=1x", 0, 0, false, mailstore.Seen},
		{"1.M2P3.h:1,S", "1.M2P3.h", 0, 0, false, 0},                  // not a "2," info
		{"1.M2P3.h:2,Sa,XY", "1.M2P3.h", 0, 0, false, mailstore.Seen}, // keyword, extra set
	}
	for _, tc := range tests {
		if got := baseName(tc.name); got != tc.base {
			t.Errorf("baseName(%q) = %q, want %q", tc.name, got, tc.base)
		}
		size, ok := sizeField(tc.name, 'S')
		if ok != tc.hasSize || size != tc.size {
			t.Errorf("sizeField(%q, S) = %d, %v", tc.name, size, ok)
		}
		if vsize, _ := sizeField(tc.name, 'W'); vsize != tc.vsize {
			t.Errorf("sizeField(%q, W) = %d, want %d", tc.name, vsize, tc.vsize)
		}
		if got := flagsOf(tc.name); got != tc.flags {
			t.Errorf("flagsOf(%q) = %v, want %v", tc.name, got, tc.flags)
		}
	}
}

func TestWithFlags(t *testing.T) {
	tests := []struct {
		name  string
		flags mailstore.Flags
		kw    string
		want  string
	}{
		{"x", 0, "", "x:2,"},
		{"x", mailstore.Seen | mailstore.Draft, "", "x:2,DS"},
		{"x:2,S", mailstore.Answered | mailstore.Seen, "", "x:2,RS"},
		{"x:2,FS", 0, "", "x:2,"},
		{"x:2,PSa", mailstore.Flagged | mailstore.Deleted, "", "x:2,FPT"}, // P (passed) is kept
		{"x:2,Sa", mailstore.Seen, "ca", "x:2,Sac"},
		{"x:2,S,extra", mailstore.Seen, "b", "x:2,Sb,extra"},
		{"x:1,foo", mailstore.Seen, "", "x:2,S"},
	}
	for _, tc := range tests {
		got := withFlags(tc.name, tc.flags, tc.kw)
		if got != tc.want {
			t.Errorf("withFlags(%q, %v, %q) = %q, want %q", tc.name, tc.flags, tc.kw, got, tc.want)
		}
		if f := flagsOf(got); f != tc.flags {
			t.Errorf("flags round trip of %q: %v, want %v", tc.name, f, tc.flags)
		}
		if kw := keywordLetters(got); len(kw) != len(tc.kw) {
			t.Errorf("keywordLetters(%q) = %q, want the letters of %q", got, kw, tc.kw)
		}
	}
}

func TestSortCmp(t *testing.T) {
	ordered := []string{
		"99.M5P1.b", // fewer seconds first, whatever the text
		"100.M2P9.z",
		"100.M10P1.a", // microseconds compare numerically
		"100.M10P1.b:2,S",
		"101.P1Q2.host", // no M part: base name decides
		"101.P1Q3.host",
	}
	for i := 0; i+1 < len(ordered); i++ {
		a, b := ordered[i], ordered[i+1]
		if sortCmp(a, b) >= 0 || sortCmp(b, a) <= 0 {
			t.Errorf("sortCmp(%q, %q) = %d, want < 0", a, b, sortCmp(a, b))
		}
	}
	if sortCmp("100.M1P1.a:2,S", "100.M1P1.a") != 0 {
		t.Errorf("flags must not affect order")
	}
}

func TestMessageParsing(t *testing.T) {
	lf := toLF([]byte("A: b\r\nMessage-Id:\r\n  <x@y>\r\n\r\nbody\r\nMessage-ID: <no>\r\n"))
	if string(lf) != "A: b\nMessage-Id:\n  <x@y>\n\nbody\nMessage-ID: <no>\n" {
		t.Errorf("toLF = %q", lf)
	}
	if got := virtualSize(lf); got != int64(len(lf))+6 {
		t.Errorf("virtualSize = %d", got)
	}
	if got := messageID(lf); got != "<x@y>" {
		t.Errorf("messageID = %q (folded header)", got)
	}
}
