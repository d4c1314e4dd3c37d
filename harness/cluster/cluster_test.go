package cluster

import (
	"fmt"
	"testing"

	"github.com/nfsmail/nfsmail/harness/sim"
)

func TestDirectorPinsUsersAndSpreadsThem(t *testing.T) {
	hosts := []string{"backend1", "backend2", "backend3"}
	d := NewDirector(hosts, DefaultVhosts)
	per := make([]int, len(hosts))
	for i := range 300 {
		user := fmt.Sprintf("user%d", i)
		h := d.Route(user, "10.0.0.1")
		if h2 := d.Route(user, "10.9.9.9"); h2 != h {
			t.Fatalf("%s routed to %d and %d", user, h, h2)
		}
		if h3 := d.Route("USER"+user[4:], "x"); h3 != h {
			t.Fatalf("username case changed the backend")
		}
		per[h]++
	}
	for h, n := range per {
		if n < 50 {
			t.Errorf("host %d got only %d of 300 users", h, n)
		}
	}
}

func TestRandomSpreadsOneUser(t *testing.T) {
	r := Random{Hosts: 2, R: sim.Stream(1, "route")}
	seen := map[int]bool{}
	for range 20 {
		seen[r.Route("alice", "")] = true
	}
	if len(seen) != 2 {
		t.Fatalf("random routing used %d hosts", len(seen))
	}
}

func TestNewRejectsUnknown(t *testing.T) {
	if _, err := New("roundrobin", []string{"a"}, nil); err == nil {
		t.Fatal("unknown routing accepted")
	}
}
