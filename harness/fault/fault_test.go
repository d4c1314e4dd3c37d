package fault

import (
	"strings"
	"testing"
	"time"

	"github.com/nfsmail/nfsmail/nfs3"
)

const planSrc = `granularity = "1s"

[[rule]]
name = "lose-rename"
proc = "RENAME|NFS.LINK"
host = "backend*"
path = "**/new/*"
probability = 0.5
from = "1s"
until = "1m"
action = "drop-reply"

[[rule]]
proc = "WRITE"
nth = 2
action = "status"
status = "ENOSPC"
`

func TestParsePlan(t *testing.T) {
	p, err := ParsePlan("plan.toml", []byte(planSrc))
	if err != nil {
		t.Fatal(err)
	}
	r := p.Rules[0]
	if p.Granularity != time.Second || len(p.Rules) != 2 || r.Action != DropReply || r.Until != time.Minute ||
		p.Rules[1].Status != nfs3.ErrNoSpc || p.Rules[1].Name != "rule2" {
		t.Fatalf("%+v", p)
	}
}

func TestParseErrorsHaveLines(t *testing.T) {
	for _, tc := range []struct{ src, want string }{
		{"[[rule]]\naction = \"drop-reply\"\nbogus = 1\n", "p:3:"},
		{"[[rule]]\nproc = \"X\"\naction = \"explode\"\n", "p:3: rule 1: unknown action"},
		{"[[rule]]\naction = \"delay\"\ndelay = \"1s\"\n[[rule]]\naction = \"delay\"\ndelay = \"soon\"\n", "p:6: rule 2"},
		{"[[rule]]\naction = \"status\"\nstatus = \"EWHAT\"\n", "p:3:"},
		{"[[rule]\n", "p:1:"},
	} {
		_, err := ParsePlan("p", []byte(tc.src))
		if err == nil || !strings.HasPrefix(err.Error(), tc.want) {
			t.Errorf("%q: error %v, want prefix %q", tc.src, err, tc.want)
		}
	}
}

// decideAll runs a fixed call sequence and returns what fired.
func decideAll(seed uint64) []Firing {
	p, _ := ParsePlan("p", []byte(planSrc))
	e := New(p, seed)
	for i := 0; i < 200; i++ {
		e.Decide(Call{Host: "backend1", Program: "NFS", Procedure: "RENAME", Path: "u/Maildir/new/m",
			Now: time.Duration(i) * time.Second / 2})
		e.Decide(Call{Host: "backend2", Program: "NFS", Procedure: "WRITE", Path: "x"})
	}
	return e.Fired()
}

func TestSameSeedSameFirings(t *testing.T) {
	a, b := decideAll(7), decideAll(7)
	if len(a) != len(b) || len(a) == 0 {
		t.Fatalf("%d vs %d firings", len(a), len(b))
	}
	for i := range a {
		if a[i] != b[i] {
			t.Fatalf("firing %d: %v vs %v", i, a[i], b[i])
		}
	}
	writes := 0
	for _, f := range a {
		if f.Procedure == "WRITE" {
			writes++
		}
		if f.Procedure == "RENAME" && (f.At < time.Second || f.At >= time.Minute) {
			t.Fatalf("fired outside the window: %v", f)
		}
	}
	if writes != 1 {
		t.Fatalf("nth=2 fired %d times", writes)
	}
	if c := decideAll(8); len(c) == len(a) && c[len(c)/2] == a[len(a)/2] && c[1] == a[1] {
		t.Log("different seeds happened to fire alike")
	}
}

func TestGlob(t *testing.T) {
	for _, tc := range []struct {
		pat, s string
		want   bool
	}{
		{"*", "a", true}, {"*", "a/b", false}, {"**", "a/b", true}, {"a/*/c", "a/b/c", true},
		{"**/new/*", "u/Maildir/new/1", true}, {"**/new/*", "u/Maildir/cur/1", false}, {"b?", "b1", true},
		{"backend*", "backend12", true}, {"", "", true},
	} {
		if got := glob(tc.pat, tc.s); got != tc.want {
			t.Errorf("glob(%q, %q) = %v", tc.pat, tc.s, got)
		}
	}
}
