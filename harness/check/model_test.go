package check

import (
	"errors"
	"testing"

	"github.com/nfsmail/nfsmail/mailstore"
)

func mail(uid mailstore.UID, id string, f mailstore.Flags) mailstore.Mail {
	return mailstore.Mail{UID: uid, MessageID: id, Flags: f}
}

func TestModelFindings(t *testing.T) {
	for _, tc := range []struct {
		name  string
		run   func(m *Model)
		kinds []Kind
		want  Verdict
	}{
		{"clean", func(m *Model) {
			m.Delivered("u", "<a>", 1, 1)
			m.Stored("u", "<a>", 1, mailstore.Seen, nil, 2)
			m.Audit("u", []mailstore.Mail{mail(1, "<a>", mailstore.Seen)}, 3)
		}, nil, Clean},
		{"lost", func(m *Model) {
			m.Delivered("u", "<a>", 1, 1)
			m.Audit("u", nil, 3)
		}, []Kind{Lost}, Corrupted},
		{"expunged is not lost", func(m *Model) {
			m.Delivered("u", "<a>", 1, 1)
			m.Expunged("u", "<a>", 1, 2)
			m.Audit("u", nil, 3)
		}, nil, Clean},
		{"resurrected", func(m *Model) {
			m.Delivered("u", "<a>", 1, 1)
			m.Expunged("u", "<a>", 1, 2)
			m.Audit("u", []mailstore.Mail{mail(1, "<a>", 0)}, 3)
		}, []Kind{Resurrected}, Corrupted},
		{"duplicated", func(m *Model) {
			m.Delivered("u", "<a>", 1, 1)
			m.Audit("u", []mailstore.Mail{mail(1, "<a>", 0), mail(2, "<a>", 0)}, 3)
		}, []Kind{Duplicated, UIDChanged}, Corrupted},
		{"uid reused", func(m *Model) {
			m.Delivered("u", "<a>", 1, 1)
			m.Delivered("u", "<b>", 1, 2)
			m.Audit("u", []mailstore.Mail{mail(1, "<a>", 0), mail(2, "<b>", 0)}, 3)
		}, []Kind{UIDReused, UIDChanged}, Corrupted},
		{"renumbered heals", func(m *Model) {
			m.Delivered("u", "<a>", 1, 1)
			m.Audit("u", []mailstore.Mail{mail(5, "<a>", 0)}, 3)
		}, []Kind{UIDChanged}, SelfHealed},
		{"flags lost", func(m *Model) {
			m.Delivered("u", "<a>", 1, 1)
			m.Stored("u", "<a>", 1, mailstore.Flagged, nil, 2)
			m.Audit("u", []mailstore.Mail{mail(1, "<a>", 0)}, 3)
		}, []Kind{FlagsLost}, Corrupted},
		{"two moves, two copies", func(m *Model) {
			a := MailboxKey("u", "Archive")
			m.Delivered("u", "<a>", 1, 1)
			m.Moved("u", "Archive", "<a>", 1, 1, mailstore.Seen, nil, true, true, 2)
			m.Moved("u", "Archive", "<a>", 1, 2, 0, nil, true, true, 3)
			m.Audit("u", nil, 4)
			m.Audit(a, []mailstore.Mail{mail(1, "<a>", mailstore.Seen), mail(2, "<a>", 0)}, 4)
		}, nil, Clean},
		{"moved, lost in Archive", func(m *Model) {
			m.Delivered("u", "<a>", 1, 1)
			m.Moved("u", "Archive", "<a>", 1, 1, 0, nil, true, true, 2)
			m.Audit("u", nil, 3)
			m.Audit(MailboxKey("u", "Archive"), nil, 3)
		}, []Kind{Lost}, Corrupted},
		{"keywords lost", func(m *Model) {
			m.Delivered("u", "<a>", 1, 1)
			m.Stored("u", "<a>", 1, mailstore.Seen, []string{"$Label2", "$Label1"}, 2)
			got := mail(1, "<a>", mailstore.Seen)
			got.Keywords = []string{"$Label1", "unknown-1"}
			m.Audit("u", []mailstore.Mail{got}, 3)
		}, []Kind{KeywordsLost}, Corrupted},
		{"keywords kept", func(m *Model) {
			m.Delivered("u", "<a>", 1, 1)
			m.Stored("u", "<a>", 1, 0, []string{"$Label2", "$Label1"}, 2)
			got := mail(1, "<a>", 0)
			got.Keywords = []string{"$Label1", "$Label2"}
			m.Audit("u", []mailstore.Mail{got}, 3)
		}, nil, Clean},
		{"a STORE cut off may have stuck", func(m *Model) {
			m.Delivered("u", "<a>", 1, 1)
			m.Stored("u", "<a>", 1, mailstore.Flagged, nil, 2)
			m.StoreInDoubt("u", "<a>", 1, mailstore.Draft, []string{"$Label1"}, 3)
			got := mail(1, "<a>", mailstore.Draft)
			got.Keywords = []string{"$Label1"}
			m.Audit("u", []mailstore.Mail{got}, 4)
		}, nil, Clean},
		{"a STORE cut off may not have stuck", func(m *Model) {
			m.Delivered("u", "<a>", 1, 1)
			m.Stored("u", "<a>", 1, mailstore.Flagged, nil, 2)
			m.StoreInDoubt("u", "<a>", 1, mailstore.Draft, nil, 3)
			m.Audit("u", []mailstore.Mail{mail(1, "<a>", mailstore.Flagged)}, 4)
		}, nil, Clean},
		{"a STORE cut off excuses only its own flags", func(m *Model) {
			m.Delivered("u", "<a>", 1, 1)
			m.StoreInDoubt("u", "<a>", 1, mailstore.Draft, []string{"$Label1"}, 2)
			got := mail(1, "<a>", mailstore.Seen)
			got.Keywords = []string{"$Label2"}
			m.Audit("u", []mailstore.Mail{got}, 3)
		}, []Kind{KeywordsLost}, Corrupted},
		{"an acknowledged STORE ends the doubt", func(m *Model) {
			m.Delivered("u", "<a>", 1, 1)
			m.StoreInDoubt("u", "<a>", 1, mailstore.Draft, nil, 2)
			m.Stored("u", "<a>", 1, mailstore.Seen, nil, 3)
			m.Audit("u", []mailstore.Mail{mail(1, "<a>", mailstore.Draft)}, 4)
		}, []Kind{FlagsLost}, Corrupted},
		{"an expunge cut off may or may not be done", func(m *Model) {
			m.Delivered("u", "<a>", 1, 1)
			m.Delivered("u", "<b>", 2, 1)
			m.ExpungeInDoubt("u", "<a>", 1, 2)
			m.ExpungeInDoubt("u", "<b>", 2, 2)
			m.Audit("u", []mailstore.Mail{mail(2, "<b>", 0)}, 3)
		}, nil, Clean},
		{"an expunge cut off after its \\Deleted STORE leaves the flag", func(m *Model) {
			m.Delivered("u", "<a>", 1, 1)
			m.Stored("u", "<a>", 1, mailstore.Seen, nil, 2)
			m.MarkedDeleted("u", "<a>", 1, false, 3)
			m.ExpungeInDoubt("u", "<a>", 1, 3)
			m.Audit("u", []mailstore.Mail{mail(1, "<a>", mailstore.Seen|mailstore.Deleted)}, 4)
		}, nil, Clean},
		{"a MOVE cut off may be in either mailbox, or both", func(m *Model) {
			a := MailboxKey("u", "Archive")
			m.Delivered("u", "<a>", 1, 1)
			m.Delivered("u", "<b>", 2, 1)
			m.MoveInDoubt("u", "Archive", "<a>", 1, mailstore.Seen, []string{"$Label1"}, 2)
			m.MoveInDoubt("u", "Archive", "<b>", 2, 0, nil, 2)
			got := mail(1, "<a>", mailstore.Seen)
			got.Keywords = []string{"$Label1"}
			m.Audit("u", []mailstore.Mail{mail(2, "<b>", 0)}, 3)
			m.Audit(a, []mailstore.Mail{got, mail(2, "<b>", 0)}, 3)
		}, nil, Clean},
		{"expunge of an unreadable message resolves by UID", func(m *Model) {
			m.Delivered("u", "<a>", 7, 1)
			m.Expunged("u", "", 7, 2)
			m.Audit("u", nil, 3)
		}, nil, Clean},
		{"unacked delivery may be missing", func(m *Model) {
			m.Observed("u", []mailstore.Mail{mail(1, "<x>", 0)}, 1)
			m.Audit("u", nil, 3)
		}, nil, Clean},
		{"unreadable at audit", func(m *Model) {
			m.Audit("u", []mailstore.Mail{{UID: 1, Key: "k"}}, 3)
		}, []Kind{Unreadable}, Corrupted},
		{"engine error heals", func(m *Model) {
			m.Logged("u", "Maildir uidlist dotlock overridden: x", mailstore.Critical, 4)
			m.Logged("u", "just a warning", mailstore.Warning, 5)
		}, []Kind{EngineError}, SelfHealed},
		{"failed operation is noticed, not corruption", func(m *Model) {
			m.Failed("u", "deliver <a>", errors.New("lock timeout"), 4)
		}, []Kind{TempFail}, SelfHealed},
		{"harness failure is unknown", func(m *Model) {
			m.HarnessFailed("audit failed")
		}, []Kind{HarnessError}, Unknown},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := NewModel()
			tc.run(m)
			f := m.Findings()
			got := map[Kind]bool{}
			for _, x := range f {
				got[x.Kind] = true
				if len(x.Steps) == 0 && x.Kind != HarnessError {
					t.Errorf("finding %v carries no steps", x)
				}
			}
			if len(got) != len(tc.kinds) {
				t.Fatalf("findings %v, want kinds %v", f, tc.kinds)
			}
			for _, k := range tc.kinds {
				if !got[k] {
					t.Fatalf("findings %v, want kinds %v", f, tc.kinds)
				}
			}
			if v := VerdictOf(f); v != tc.want {
				t.Fatalf("verdict %s, want %s", v, tc.want)
			}
		})
	}
}

func TestAnsweredDeletedFlagMustStick(t *testing.T) {
	m := NewModel()
	m.Delivered("u", "<a>", 1, 1)
	m.Stored("u", "<a>", 1, mailstore.Seen, nil, 2)
	m.MarkedDeleted("u", "<a>", 1, true, 3) // the UID EXPUNGE then got a NO
	m.Audit("u", []mailstore.Mail{mail(1, "<a>", mailstore.Seen)}, 4)
	if fs := m.Findings(); len(fs) != 1 || fs[0].Kind != FlagsLost {
		t.Fatalf("findings %v, want the \\Deleted flag lost", fs)
	}
}

// Two STOREs of one message whose commands overlapped (the second sent
// before the first was answered) may have been committed in either order:
// both results stand. STOREs one after the other leave only the last.
func TestOverlappingStoresAllowEitherOrder(t *testing.T) {
	for _, tc := range []struct {
		name     string
		sent     int // when the second STORE was sent
		findings int
	}{{"overlapping", 2, 0}, {"in sequence", 4, 1}} {
		t.Run(tc.name, func(t *testing.T) {
			m := NewModel()
			m.Delivered("u", "<a>", 1, 1)
			m.StoredAfter("u", "<a>", 1, mailstore.Seen, nil, 2, 3)
			m.StoredAfter("u", "<a>", 1, mailstore.Flagged, nil, tc.sent, 5)
			m.Audit("u", []mailstore.Mail{mail(1, "<a>", mailstore.Seen)}, 6)
			if fs := m.Findings(); len(fs) != tc.findings {
				t.Fatalf("findings %v, want %d", fs, tc.findings)
			}
		})
	}
}

// A STORE +FLAGS \Deleted (an expunge's first step) and another session's
// STORE FLAGS of the same message that overlap may be applied in either
// order: the other STORE's flags, with or without \Deleted, both stand,
// whichever acknowledgement the real tier's client saw first
// (maildir-director seed 2 on real Dovecot: the \Deleted mark was replaced,
// the UID EXPUNGE then found nothing to expunge). In sequence, only the
// later one's result stands.
func TestOverlappingDeletedMarkAllowsEitherOrder(t *testing.T) {
	draft, both := mailstore.Draft, mailstore.Draft|mailstore.Deleted
	for _, tc := range []struct {
		name     string
		run      func(m *Model)
		observed mailstore.Flags
		findings int
	}{
		{"mark answered first, store replaced it", func(m *Model) {
			m.MarkedDeletedAfter("u", "<a>", 1, true, 3, 5)
			m.StoredAfter("u", "<a>", 1, draft, nil, 4, 6)
		}, draft, 0},
		{"mark answered first, store applied first", func(m *Model) {
			m.MarkedDeletedAfter("u", "<a>", 1, true, 3, 5)
			m.StoredAfter("u", "<a>", 1, draft, nil, 4, 6)
		}, both, 0},
		{"store answered first, mark applied last", func(m *Model) {
			m.StoredAfter("u", "<a>", 1, draft, nil, 4, 5)
			m.MarkedDeletedAfter("u", "<a>", 1, true, 3, 6)
		}, both, 0},
		{"store answered first, mark replaced", func(m *Model) {
			m.StoredAfter("u", "<a>", 1, draft, nil, 4, 5)
			m.MarkedDeletedAfter("u", "<a>", 1, true, 3, 6)
		}, draft, 0},
		{"in sequence: the mark last", func(m *Model) {
			m.StoredAfter("u", "<a>", 1, draft, nil, 3, 4)
			m.MarkedDeletedAfter("u", "<a>", 1, true, 5, 6)
		}, draft, 1},
		{"in sequence: the store last", func(m *Model) {
			m.MarkedDeletedAfter("u", "<a>", 1, true, 3, 4)
			m.StoredAfter("u", "<a>", 1, draft, nil, 5, 6)
		}, both, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := NewModel()
			m.Delivered("u", "<a>", 1, 1)
			m.Stored("u", "<a>", 1, mailstore.Seen, nil, 2)
			tc.run(m)
			m.Audit("u", []mailstore.Mail{mail(1, "<a>", tc.observed)}, 7)
			if fs := m.Findings(); len(fs) != tc.findings {
				t.Fatalf("findings %v, want %d", fs, tc.findings)
			}
		})
	}
}
