package fault

import (
	"fmt"
	"strings"
	"time"

	"github.com/nfsmail/nfsmail/nfs3"
)

// Kind is what a rule does to a matching call.
type Kind int

// Actions.
const (
	// Delay holds the reply for Action.Delay (virtual time charged to the
	// caller).
	Delay Kind = iota + 1
	// DropReply executes the call and never delivers its reply; the client
	// times out and retransmits the same XID.
	DropReply
	// Duplicate delivers the request twice, as a network may.
	Duplicate
	// Status answers Action.Status without executing the call.
	Status
	// Restart restarts the server before the call: unstable writes are
	// lost, locks forgotten, the NLM grace period starts, the write
	// verifier changes.
	Restart
	// LoseLock grants an NLM lock and forgets it at once.
	LoseLock
	// DoubleGrant grants an NLM lock despite a conflicting one.
	DoubleGrant
)

var kindNames = map[Kind]string{Delay: "delay", DropReply: "drop-reply", Duplicate: "duplicate",
	Status: "status", Restart: "restart", LoseLock: "lose-lock", DoubleGrant: "double-grant"}

func (k Kind) String() string {
	if s, ok := kindNames[k]; ok {
		return s
	}
	return fmt.Sprintf("kind(%d)", int(k))
}

// ParseKind returns the Kind named s ("drop-reply", ...).
func ParseKind(s string) (Kind, error) {
	for k, name := range kindNames {
		if name == s {
			return k, nil
		}
	}
	return 0, fmt.Errorf("unknown action %q (want delay, drop-reply, duplicate, status, restart, lose-lock or double-grant)", s)
}

// Statuses a Status action may return, by name.
var statuses = map[string]nfs3.Status{"EIO": nfs3.ErrIO, "ENOSPC": nfs3.ErrNoSpc,
	"STALE": nfs3.ErrStale, "ESTALE": nfs3.ErrStale, "JUKEBOX": nfs3.ErrJukebox,
	"EACCES": nfs3.ErrAccess, "EDQUOT": nfs3.ErrDQuot}

// ParseStatus returns the NFS status named s (EIO, ENOSPC, STALE, JUKEBOX,
// EACCES, EDQUOT).
func ParseStatus(s string) (nfs3.Status, error) {
	if st, ok := statuses[strings.ToUpper(s)]; ok {
		return st, nil
	}
	return 0, fmt.Errorf("unknown status %q (want EIO, ENOSPC, STALE, JUKEBOX, EACCES or EDQUOT)", s)
}

// Plan is a list of rules plus server-wide knobs.
type Plan struct {
	// Granularity, if set, is the server's timestamp granularity (1s
	// models older servers); 0 keeps the server's own.
	Granularity time.Duration
	Rules       []Rule
}

// Rule matches calls and names the action to take on them. Empty match
// fields match everything.
type Rule struct {
	Name string
	// Proc is a procedure name ("WRITE"), or PROGRAM.PROC ("NLM.LOCK",
	// "MOUNT.MNT", "NFS.WRITE"); several may be joined with "|". A bare
	// name matches that procedure in any program. Case-insensitive.
	Proc string
	// Host is a glob over the client's host name.
	Host string
	// Path is a glob over the target's path relative to the export root
	// ("*" matches within one component, "**" across components).
	Path string
	// Probability of firing once everything else matched; 0 means 1.
	Probability float64
	// From and Until bound the virtual time window; Until 0 is open-ended.
	From, Until time.Duration
	// Nth, if positive, fires only on the nth matching call (1-based).
	Nth int
	// Times, if positive, caps how often the rule fires.
	Times int
	// Action is what to do; Delay and Status parameterise it.
	Action Kind
	Delay  time.Duration
	Status nfs3.Status
}

// Validate checks a rule's fields.
func (r *Rule) Validate() error {
	switch {
	case r.Action == 0:
		return fmt.Errorf("rule %q: no action", r.Name)
	case kindNames[r.Action] == "":
		return fmt.Errorf("rule %q: unknown action %d", r.Name, r.Action)
	case r.Probability < 0 || r.Probability > 1:
		return fmt.Errorf("rule %q: probability %v outside [0,1]", r.Name, r.Probability)
	case r.Action == Delay && r.Delay <= 0:
		return fmt.Errorf("rule %q: delay needs a positive delay", r.Name)
	case r.Action == Status && r.Status == nfs3.OK:
		return fmt.Errorf("rule %q: status needs a status", r.Name)
	case r.Until != 0 && r.Until <= r.From:
		return fmt.Errorf("rule %q: until %v is not after from %v", r.Name, r.Until, r.From)
	case r.Nth < 0 || r.Times < 0:
		return fmt.Errorf("rule %q: nth and times must not be negative", r.Name)
	}
	if r.Path != "" && !validGlob(r.Path) {
		return fmt.Errorf("rule %q: bad path pattern %q", r.Name, r.Path)
	}
	return nil
}

// matchProc reports whether the rule's Proc matches program/procedure.
func (r *Rule) matchProc(program, procedure string) bool {
	if r.Proc == "" || r.Proc == "*" {
		return true
	}
	for _, p := range strings.Split(r.Proc, "|") {
		p = strings.TrimSpace(p)
		prog, proc, dotted := strings.Cut(p, ".")
		if !dotted && strings.EqualFold(p, procedure) {
			return true
		}
		if dotted && strings.EqualFold(prog, program) && strings.EqualFold(proc, procedure) {
			return true
		}
	}
	return false
}

// glob matches s against pattern: "*" matches any run of characters
// except '/', "**" any run at all, "?" one character other than '/'.
func glob(pattern, s string) bool {
	for len(pattern) > 0 {
		switch {
		case strings.HasPrefix(pattern, "**"):
			rest := pattern[2:]
			for i := 0; i <= len(s); i++ {
				if glob(rest, s[i:]) {
					return true
				}
			}
			return false
		case pattern[0] == '*':
			rest := pattern[1:]
			for i := 0; i <= len(s); i++ {
				if glob(rest, s[i:]) {
					return true
				}
				if i < len(s) && s[i] == '/' {
					return false
				}
			}
			return false
		case len(s) == 0:
			return false
		case pattern[0] == '?' && s[0] != '/', pattern[0] == s[0]:
			pattern, s = pattern[1:], s[1:]
		default:
			return false
		}
	}
	return len(s) == 0
}

// validGlob rejects patterns that would make matching expensive.
func validGlob(p string) bool { return strings.Count(p, "*") <= 8 && len(p) <= 1024 }
