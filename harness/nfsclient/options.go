package nfsclient

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// LookupCache is the lookupcache= mount option.
type LookupCache int

// Lookup cache modes.
const (
	LookupAll      LookupCache = iota // positive and negative entries trusted
	LookupPositive                    // negative entries always revalidated
	LookupNone                        // every entry revalidated before use
)

// Options are the Linux NFS mount options the model honours, with the
// Linux defaults from nfs(5) in DefaultOptions.
type Options struct {
	ACRegMin, ACRegMax time.Duration
	ACDirMin, ACDirMax time.Duration
	// NoAC disables attribute caching and makes writes synchronous.
	NoAC        bool
	LookupCache LookupCache
	// NoCTO disables close-to-open revalidation on open.
	NoCTO bool
	// NoRDirPlus lists directories with READDIR instead of READDIRPLUS.
	NoRDirPlus bool
	// NoLock keeps fcntl/flock locks local to the host.
	NoLock bool
	// Timeo is how long the client waits for a reply before retransmitting
	// (timeo=, given in tenths of a second); each retry waits one Timeo
	// longer, up to 600 s, as over TCP.
	Timeo time.Duration
	// Retrans is how many retransmissions make a "major timeout".
	Retrans int
	// Soft makes a major timeout fail the call with EIO; hard (the
	// default) retries forever.
	Soft bool
	// RTT is the virtual cost of one RPC round trip.
	RTT time.Duration
}

// DefaultOptions returns the Linux defaults for NFSv3 over TCP:
// acregmin=3, acregmax=60, acdirmin=30, acdirmax=60, lookupcache=all, cto,
// rdirplus, lock, hard, timeo=600, retrans=2; and a LAN round trip of 250µs.
func DefaultOptions() Options {
	return Options{
		ACRegMin: 3 * time.Second, ACRegMax: 60 * time.Second,
		ACDirMin: 30 * time.Second, ACDirMax: 60 * time.Second,
		Timeo: 60 * time.Second, Retrans: 2,
		RTT: 250 * time.Microsecond,
	}
}

// ParseOptions applies a comma-separated mount-options string
// ("actimeo=3,nolock,nordirplus") to the defaults. Unknown options are an
// error, never silently ignored.
func ParseOptions(s string) (Options, error) {
	o := DefaultOptions()
	for _, opt := range strings.Split(s, ",") {
		opt = strings.TrimSpace(opt)
		if opt == "" {
			continue
		}
		if err := o.apply(opt); err != nil {
			return Options{}, fmt.Errorf("mount option %q: %w", opt, err)
		}
	}
	return o, nil
}

func (o *Options) apply(opt string) error {
	name, val, hasVal := strings.Cut(opt, "=")
	if flag, ok := o.flags()[name]; ok {
		if hasVal {
			return fmt.Errorf("takes no value")
		}
		*flag.p = flag.v
		return nil
	}
	switch name {
	case "lookupcache":
		return o.setLookupCache(val)
	case "timeo", "retrans":
		return o.setRetry(name, val)
	}
	secs, ok := o.seconds()[name]
	if !ok {
		if ignoredOptions[name] {
			return nil
		}
		return fmt.Errorf("unknown option")
	}
	n, err := strconv.Atoi(val)
	if err != nil || n < 0 {
		return fmt.Errorf("want a number of seconds")
	}
	for _, p := range secs {
		*p = time.Duration(n) * time.Second
	}
	return nil
}

type boolOpt struct {
	p *bool
	v bool
}

func (o *Options) flags() map[string]boolOpt {
	return map[string]boolOpt{
		"ac": {&o.NoAC, false}, "noac": {&o.NoAC, true},
		"cto": {&o.NoCTO, false}, "nocto": {&o.NoCTO, true},
		"rdirplus": {&o.NoRDirPlus, false}, "nordirplus": {&o.NoRDirPlus, true},
		"lock": {&o.NoLock, false}, "nolock": {&o.NoLock, true},
		"hard": {&o.Soft, false}, "soft": {&o.Soft, true},
	}
}

func (o *Options) seconds() map[string][]*time.Duration {
	return map[string][]*time.Duration{
		"acregmin": {&o.ACRegMin}, "acregmax": {&o.ACRegMax},
		"acdirmin": {&o.ACDirMin}, "acdirmax": {&o.ACDirMax},
		"actimeo": {&o.ACRegMin, &o.ACRegMax, &o.ACDirMin, &o.ACDirMax},
	}
}

func (o *Options) setRetry(name, val string) error {
	n, err := strconv.Atoi(val)
	if err != nil || n < 0 || (name == "timeo" && n == 0) {
		return fmt.Errorf("want a positive number")
	}
	if name == "retrans" {
		o.Retrans = n
		return nil
	}
	o.Timeo = min(time.Duration(n)*time.Second/10, maxTimeo)
	return nil
}

// maxTimeo is the longest a Linux TCP mount waits for one reply.
const maxTimeo = 600 * time.Second

func (o *Options) setLookupCache(v string) error {
	switch v {
	case "all":
		o.LookupCache = LookupAll
	case "positive", "pos":
		o.LookupCache = LookupPositive
	case "none":
		o.LookupCache = LookupNone
	default:
		return fmt.Errorf("want all, positive or none")
	}
	return nil
}

// ignoredOptions are accepted because they change nothing the model
// simulates (transport and identity choices of a real mount).
var ignoredOptions = map[string]bool{
	"defaults": true, "rw": true, "vers": true, "nfsvers": true, "proto": true, "tcp": true,
	"intr": true, "nointr": true, "rsize": true, "wsize": true,
	"port": true, "mountport": true, "mountproto": true, "noacl": true, "acl": true,
	"sec": true, "bg": true, "fg": true, "noatime": true, "relatime": true,
	"nodiratime": true, "_netdev": true, "root_squash": true,
}

// String renders the options in mount(8) form, listing what differs from
// the defaults.
func (o Options) String() string {
	d := DefaultOptions()
	var parts []string
	add := func(cond bool, s string) {
		if cond {
			parts = append(parts, s)
		}
	}
	add(o.NoAC, "noac")
	add(!o.NoAC && o.ACRegMin != d.ACRegMin, fmt.Sprintf("acregmin=%d", int(o.ACRegMin.Seconds())))
	add(!o.NoAC && o.ACRegMax != d.ACRegMax, fmt.Sprintf("acregmax=%d", int(o.ACRegMax.Seconds())))
	add(!o.NoAC && o.ACDirMin != d.ACDirMin, fmt.Sprintf("acdirmin=%d", int(o.ACDirMin.Seconds())))
	add(!o.NoAC && o.ACDirMax != d.ACDirMax, fmt.Sprintf("acdirmax=%d", int(o.ACDirMax.Seconds())))
	add(o.LookupCache == LookupPositive, "lookupcache=positive")
	add(o.LookupCache == LookupNone, "lookupcache=none")
	add(o.NoCTO, "nocto")
	add(o.NoRDirPlus, "nordirplus")
	add(o.NoLock, "nolock")
	add(o.Soft, "soft")
	add(o.Timeo != d.Timeo, fmt.Sprintf("timeo=%d", int(o.Timeo/(time.Second/10))))
	add(o.Retrans != d.Retrans, fmt.Sprintf("retrans=%d", o.Retrans))
	if len(parts) == 0 {
		return "defaults"
	}
	return strings.Join(parts, ",")
}
