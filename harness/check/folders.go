package check

import (
	"fmt"
	"slices"
)

// Folders: the model also knows every user's folders from the CREATE and
// DELETE answers clients got. Folder commands of concurrent sessions
// overlap, so a LIST is only held to folders no command touched while it
// ran: a folder whose state was settled before the LIST began and that no
// CREATE or DELETE was in flight for until it ended must be listed exactly
// as it stood.

// FolderOp is a CREATE or DELETE in flight, from FolderBegin.
type FolderOp struct {
	user string
	i    int // position in the user's ops
}

type folderOp struct {
	name       string
	begin, end int // steps; end -1 while in flight (or forever, if its process died)
	create     bool
	ok         bool // the client was told it succeeded (or found it so)
}

// FolderBegin records that a CREATE (create) or DELETE of folder name
// started at step.
func (m *Model) FolderBegin(user, name string, create bool, step int) FolderOp {
	b := m.box(user)
	b.folderOps = append(b.folderOps, folderOp{name: name, begin: step, end: -1, create: create})
	return FolderOp{user: user, i: len(b.folderOps) - 1}
}

// FolderEnd records the answer: settled says the folder's state is known
// from it (success, or "already exists" for CREATE, "doesn't exist" for
// DELETE); false for other failures, which leave it unknown.
func (m *Model) FolderEnd(op FolderOp, settled bool, step int) {
	b := m.box(op.user)
	b.folderOps[op.i].end = step
	b.folderOps[op.i].ok = settled
}

// RenameBegin records that a RENAME of from to to started at step: a
// DELETE of from and a CREATE of to at once.
func (m *Model) RenameBegin(user, from, to string, step int) (FolderOp, FolderOp) {
	return m.FolderBegin(user, from, false, step), m.FolderBegin(user, to, true, step)
}

// RenameEnd records RENAME's answer: done (both names settled),
// notFound (from is known absent, to as it was), targetExists (to is
// known present, from as it was), or another failure (neither known).
func (m *Model) RenameEnd(from, to FolderOp, done, notFound, targetExists bool, step int) {
	m.FolderEnd(from, done || notFound, step)
	m.FolderEnd(to, done || targetExists, step)
}

// folderAt returns whether name existed at step as far as clients were
// told, and whether that is known: the settled CREATE or DELETE that
// ended last decides, unless a command with another effect (or an
// unknown outcome) overlapped it or was still in flight at step. Two that
// overlap may have taken effect in either order.
func (b *mailbox) folderAt(name string, step int) (exists, known bool) {
	var ops []folderOp
	last := -1
	for _, op := range b.folderOps {
		if op.name != name || op.begin > step {
			continue
		}
		if op.ok && op.end >= 0 && op.end <= step && (last < 0 || op.end > ops[last].end) {
			last = len(ops)
		}
		ops = append(ops, op)
	}
	if last < 0 {
		return false, len(ops) == 0 // never created: it does not exist
	}
	l := ops[last]
	for i, op := range ops {
		settled := op.ok && op.end >= 0 && op.end <= step
		switch {
		case i == last:
		case settled && op.create == l.create:
		case op.end >= 0 && op.end <= step && op.end <= l.begin: // answered before it began
		default:
			return false, false
		}
	}
	return l.create, true
}

// touched reports whether a CREATE or DELETE of name overlapped [from, to].
func (b *mailbox) touched(name string, from, to int) bool {
	for _, op := range b.folderOps {
		if op.name == name && op.begin <= to && (op.end < 0 || op.end >= from) {
			return true
		}
	}
	return false
}

// Listed checks what a LIST that ran from step begin to step end showed,
// on host.
func (m *Model) Listed(user, host string, names []string, begin, end int) {
	b := m.box(user)
	for _, name := range b.folderNames() {
		exists, known := b.folderAt(name, begin)
		if !known || b.touched(name, begin, end) || exists == slices.Contains(names, name) {
			continue
		}
		what := "left out folder %s, which existed"
		if !exists {
			what = "showed folder %s, which had been deleted"
		}
		m.add(Finding{Kind: ListStale, User: user, Detail: fmt.Sprintf("LIST on %s "+what, host, name),
			Steps: append(b.folderSteps(name, begin), end)})
	}
}

// AuditFolders compares the folders on disk at the end with the model: a
// folder created and never deleted that is gone is lost (with whatever
// was in it), one deleted that is back is resurrected.
func (m *Model) AuditFolders(user string, onDisk []string, step int) {
	b := m.box(user)
	for _, name := range b.folderNames() {
		exists, known := b.folderAt(name, step)
		switch {
		case !known || exists == slices.Contains(onDisk, name):
		case exists:
			m.add(Finding{Kind: Lost, User: user, Detail: "folder " + name + " was created and never deleted",
				Steps: append(b.folderSteps(name, step), step)})
		default:
			m.add(Finding{Kind: Resurrected, User: user, Detail: "folder " + name + " was deleted and is back",
				Steps: append(b.folderSteps(name, step), step)})
		}
	}
}

func (b *mailbox) folderNames() []string {
	var names []string
	for _, op := range b.folderOps {
		if !slices.Contains(names, op.name) {
			names = append(names, op.name)
		}
	}
	slices.Sort(names)
	return names
}

// folderSteps are the answered CREATEs and DELETEs of name before step.
func (b *mailbox) folderSteps(name string, step int) []int {
	var steps []int
	for _, op := range b.folderOps {
		if op.name == name && op.end >= 0 && op.end <= step {
			steps = append(steps, op.end)
		}
	}
	return steps
}
