package check

import (
	"cmp"
	"slices"
)

// Kind names a class of finding (DESIGN.md §6).
type Kind string

// Finding kinds. The first group corrupts; the second heals.
const (
	Lost        Kind = "lost"        // acknowledged, never expunged, gone
	Duplicated  Kind = "duplicated"  // one message present more than once
	Resurrected Kind = "resurrected" // expunged successfully, came back
	UIDReused   Kind = "uid-reused"  // one UID named two different messages
	FlagsLost   Kind = "flags-lost"  // a successful STORE did not stick
	// KeywordsLost: a successful STORE's keywords are missing, or the
	// message carries keywords nobody set on it.
	KeywordsLost Kind = "keywords-lost"
	Unreadable   Kind = "unreadable"   // listed at audit but its content cannot be read
	UIDChanged   Kind = "uid-changed"  // a message was renumbered (clients re-download it)
	EngineError  Kind = "engine-error" // the engine logged an error and carried on
	TempFail     Kind = "temp-fail"    // an operation failed; the client would retry
	Fsck         Kind = "fsck"         // the store's files disagree with themselves (Dovecot would rebuild)
	// ListStale: a LIST left out a folder that existed throughout, or
	// showed one that did not: the mailbox list index missed another
	// host's CREATE or DELETE. No mail is lost; the list index is rebuilt
	// once something on that host sets its refresh flag.
	ListStale    Kind = "list-stale"
	HarnessError Kind = "harness-error" // not about the system under test
)

// Corrupts reports whether a finding of this kind is user-visible damage.
func (k Kind) Corrupts() bool {
	switch k {
	case Lost, Duplicated, Resurrected, UIDReused, FlagsLost, KeywordsLost, Unreadable:
		return true
	}
	return false
}

// Finding is one problem found in a run.
type Finding struct {
	Kind   Kind   `json:"kind"`
	User   string `json:"user"`
	Detail string `json:"detail"`
	// Steps are the trace steps that led to it (deliveries, stores, the
	// observation that revealed it), oldest first.
	Steps []int `json:"steps"`
}

// VerdictOf classifies findings.
func VerdictOf(findings []Finding) Verdict {
	v := Clean
	for _, f := range findings {
		switch {
		case f.Kind.Corrupts():
			return Corrupted
		case f.Kind == HarnessError:
			return Unknown
		default:
			v = SelfHealed
		}
	}
	return v
}

// Sort orders findings deterministically: corrupting kinds first, then by
// kind, user and detail.
func Sort(findings []Finding) {
	slices.SortStableFunc(findings, func(a, b Finding) int {
		if a.Kind.Corrupts() != b.Kind.Corrupts() {
			if a.Kind.Corrupts() {
				return -1
			}
			return 1
		}
		return cmp.Or(cmp.Compare(a.Kind, b.Kind), cmp.Compare(a.User, b.User), cmp.Compare(a.Detail, b.Detail))
	})
}
