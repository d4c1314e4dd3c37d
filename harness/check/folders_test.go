package check

import "testing"

func TestListedHoldsSettledFolders(t *testing.T) {
	m := NewModel()
	op := m.FolderBegin("u", "Work", true, 1)
	m.FolderEnd(op, true, 2)
	m.Listed("u", "h1", []string{"INBOX", "Work"}, 3, 4) // right
	if len(m.Findings()) != 0 {
		t.Fatalf("findings %v", m.Findings())
	}
	m.Listed("u", "h2", []string{"INBOX"}, 5, 6) // left out
	del := m.FolderBegin("u", "Work", false, 7)
	m.Listed("u", "h1", []string{"INBOX"}, 6, 8) // overlaps the DELETE: not judged
	m.FolderEnd(del, true, 9)
	m.Listed("u", "h1", []string{"INBOX", "Work"}, 10, 11) // shows a deleted one
	fs := m.Findings()
	if len(fs) != 2 || fs[0].Kind != ListStale || fs[1].Kind != ListStale {
		t.Fatalf("findings %v, want two list-stale", fs)
	}
	if VerdictOf(fs) != SelfHealed {
		t.Fatalf("verdict %s, want SELF-HEALED", VerdictOf(fs))
	}
}

func TestFolderStateUnknownAfterFailure(t *testing.T) {
	m := NewModel()
	op := m.FolderBegin("u", "Work", true, 1)
	m.FolderEnd(op, false, 2) // EIO: may or may not exist
	m.Listed("u", "h", []string{"INBOX"}, 3, 4)
	m.Listed("u", "h", []string{"INBOX", "Work"}, 5, 6)
	running := m.FolderBegin("u", "Other", true, 7) // never ends: its process died
	_ = running
	m.Listed("u", "h", []string{"INBOX"}, 8, 9)
	m.AuditFolders("u", []string{"INBOX"}, 10)
	if fs := m.Findings(); len(fs) != 0 {
		t.Fatalf("findings %v, want none", fs)
	}
}

func TestAuditFolders(t *testing.T) {
	m := NewModel()
	a := m.FolderBegin("u", "Kept", true, 1)
	m.FolderEnd(a, true, 2)
	b := m.FolderBegin("u", "Gone", true, 3)
	m.FolderEnd(b, true, 4)
	c := m.FolderBegin("u", "Gone", false, 5)
	m.FolderEnd(c, true, 6)
	m.AuditFolders("u", []string{"INBOX", "Gone"}, 7)
	fs := m.Findings()
	if len(fs) != 2 || VerdictOf(fs) != Corrupted {
		t.Fatalf("findings %v, want a lost and a resurrected folder", fs)
	}
}

// A DELETE that began before a CREATE of the same folder and answered
// after it may have taken effect in either order: the folder's state is
// unknown. Two that did not overlap are ordered by their answers.
func TestOverlappingCreateAndDelete(t *testing.T) {
	m := NewModel()
	del := m.FolderBegin("u", "F", false, 1)
	cr := m.FolderBegin("u", "F", true, 2)
	m.FolderEnd(cr, true, 3)
	m.FolderEnd(del, true, 4)
	m.AuditFolders("u", []string{"INBOX"}, 5)
	m.AuditFolders("u", []string{"INBOX", "F"}, 5)
	if fs := m.Findings(); len(fs) != 0 {
		t.Fatalf("findings %v, want none", fs)
	}
	cr = m.FolderBegin("u", "F", true, 6) // after both: it exists
	m.FolderEnd(cr, true, 7)
	same := m.FolderBegin("u", "F", true, 6) // a concurrent CREATE agrees
	m.FolderEnd(same, true, 8)
	m.AuditFolders("u", []string{"INBOX"}, 9)
	if fs := m.Findings(); len(fs) != 1 || fs[0].Kind != Lost {
		t.Fatalf("findings %v, want the folder lost", fs)
	}
}

// One session's DELETE and then CREATE of a folder: the CREATE begins at
// the step the DELETE was answered, and the two are ordered.
func TestBackToBackDeleteAndCreate(t *testing.T) {
	m := NewModel()
	c := m.FolderBegin("u", "F", true, 1)
	m.FolderEnd(c, true, 2)
	d := m.FolderBegin("u", "F", false, 3)
	m.FolderEnd(d, true, 4)
	c = m.FolderBegin("u", "F", true, 4)
	m.FolderEnd(c, true, 5)
	m.AuditFolders("u", []string{"INBOX"}, 6)
	if fs := m.Findings(); len(fs) != 1 || fs[0].Kind != Lost {
		t.Fatalf("findings %v, want the folder lost", fs)
	}
}
