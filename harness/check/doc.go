// Package check keeps the expected state of every mailbox from what clients
// were told (an acknowledged delivery, a successful STORE or EXPUNGE, the
// UIDs a SELECT showed), audits the end state against it, and turns what it
// finds into findings and a verdict.
//
// # Verdicts
//
// CLEAN: nothing found. SELF-HEALED: the engines logged errors or renumbered
// messages (Dovecot would log and rebuild; clients may re-download) but no
// mail was lost, duplicated or resurrected. CORRUPTED: user-visible damage.
// UNKNOWN: the run did not finish within its budget — never a pass.
package check

// Verdict is the outcome of a run.
type Verdict string

// Verdicts, in increasing order of severity (UNKNOWN aside).
const (
	Clean      Verdict = "CLEAN"
	SelfHealed Verdict = "SELF-HEALED"
	Corrupted  Verdict = "CORRUPTED"
	Unknown    Verdict = "UNKNOWN"
)

// ParseVerdict accepts a verdict's name.
func ParseVerdict(s string) (Verdict, bool) {
	switch v := Verdict(s); v {
	case Clean, SelfHealed, Corrupted, Unknown:
		return v, true
	}
	return "", false
}

// Severity orders verdicts: CLEAN 0, SELF-HEALED 1, CORRUPTED 2; UNKNOWN
// (no verdict) is 3, above everything, so it never passes for another.
func (v Verdict) Severity() int {
	switch v {
	case Clean:
		return 0
	case SelfHealed:
		return 1
	case Corrupted:
		return 2
	}
	return 3
}
