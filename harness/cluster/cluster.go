// Package cluster decides which backend serves each mail operation: a
// Dovecot director (every user pinned to one backend by a consistent-hash
// ring), a load balancer with source-IP affinity, or random routing.
//
// # Determinism
//
// Director and source-IP routing are pure functions of their input; Random
// draws from a seeded stream passed in.
package cluster

import (
	"crypto/md5"
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
)

// Router picks the backend (an index into the host list) for an operation
// by user coming from clientIP.
type Router interface {
	Route(user, clientIP string) int
	// Name is the routing policy's name as scenarios spell it.
	Name() string
}

// Director maps each user to a backend with Dovecot director's ring: each
// host contributes vhost points MD5("<host>-<i>"), a user goes to the first
// point at or after MD5(lowercased username).
type Director struct {
	ring []point
}

type point struct {
	hash uint32
	host int
}

// DefaultVhosts is director's default vhost_count.
const DefaultVhosts = 100

// NewDirector builds the ring over hosts.
func NewDirector(hosts []string, vhosts int) *Director {
	d := &Director{}
	for h, name := range hosts {
		for i := range vhosts {
			d.ring = append(d.ring, point{hash: md5u32(fmt.Sprintf("%s-%d", name, i)), host: h})
		}
	}
	slices.SortFunc(d.ring, func(a, b point) int {
		if a.hash != b.hash {
			return int(int64(a.hash) - int64(b.hash))
		}
		return a.host - b.host
	})
	return d
}

func md5u32(s string) uint32 {
	sum := md5.Sum([]byte(s))
	v := binary.BigEndian.Uint32(sum[:4])
	if v == 0 {
		v = 1
	}
	return v
}

// Route implements Router: the user's backend, whatever the client.
func (d *Director) Route(user, _ string) int {
	h := md5u32(strings.ToLower(user))
	i, _ := slices.BinarySearchFunc(d.ring, h, func(p point, h uint32) int {
		switch {
		case p.hash < h:
			return -1
		case p.hash > h:
			return 1
		}
		return 0
	})
	if i == len(d.ring) {
		i = 0
	}
	return d.ring[i].host
}

// Name implements Router.
func (d *Director) Name() string { return "director" }

// SourceIP is a load balancer with source-IP affinity: connections from one
// client address always reach the same backend, whoever the user is.
type SourceIP struct{ Hosts int }

// Route implements Router.
func (s SourceIP) Route(_, clientIP string) int { return int(md5u32(clientIP) % uint32(s.Hosts)) }

// Name implements Router.
func (s SourceIP) Name() string { return "source-ip" }

// Random sends every operation to a random backend.
type Random struct {
	Hosts int
	R     *rand.Rand
}

// Route implements Router.
func (r Random) Route(_, _ string) int { return r.R.IntN(r.Hosts) }

// Name implements Router.
func (r Random) Name() string { return "random" }

// New returns the router named name ("director", "source-ip", "random").
func New(name string, hosts []string, r *rand.Rand) (Router, error) {
	switch name {
	case "director":
		return NewDirector(hosts, DefaultVhosts), nil
	case "source-ip":
		return SourceIP{Hosts: len(hosts)}, nil
	case "random":
		return Random{Hosts: len(hosts), R: r}, nil
	}
	return nil, fmt.Errorf("cluster: unknown routing %q (want director, source-ip or random)", name)
}
