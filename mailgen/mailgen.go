// Package mailgen generates seeded mail workloads: users, RFC 5322
// messages, LMTP deliveries and IMAP sessions with their commands.
//
// # Determinism
//
// Generate is a pure function of its seed and Spec: it draws from
// sim.Stream(seed, "mailgen") only.
package mailgen

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"github.com/nfsmail/nfsmail/harness/sim"
	"github.com/nfsmail/nfsmail/mailstore"
)

// Kind is what an operation does.
type Kind string

// Operation kinds.
const (
	Deliver Kind = "deliver" // one LMTP delivery to the user's INBOX
	Session Kind = "session" // one IMAP session running Commands
)

// CommandKind is an IMAP command of a session.
type CommandKind string

// Session commands.
const (
	Select  CommandKind = "select"  // SELECT INBOX (a full sync)
	Store   CommandKind = "store"   // UID STORE FLAGS on one message
	Expunge CommandKind = "expunge" // STORE \Deleted + EXPUNGE of one message
	Idle    CommandKind = "idle"    // the client waits (IDLE / think time)
	List    CommandKind = "list"    // LIST "" "*" (the folders)
	Create  CommandKind = "create"  // CREATE Folder
	Delete  CommandKind = "delete"  // DELETE Folder
	Rename  CommandKind = "rename"  // RENAME Folder To
	Move    CommandKind = "move"    // UID MOVE of one message to Archive
)

// Archive is the mailbox MOVE commands move messages to.
const Archive = "Archive"

// Command is one step of a session. Pick chooses the message among those
// the session's last SELECT showed (index = Pick * count).
type Command struct {
	Kind  CommandKind
	Pick  float64
	Flags mailstore.Flags
	// Keywords are the IMAP keywords a STORE sets besides Flags (sorted).
	Keywords []string
	Wait     time.Duration
	// Folder is what CREATE, DELETE and RENAME name; To is RENAME's new name.
	Folder, To string
}

// Op is one operation of the workload.
type Op struct {
	At        time.Duration // virtual time it starts
	User      string
	Kind      Kind
	ClientIP  string
	MessageID string // Deliver
	Size      int    // Deliver: body size in bytes
	Commands  []Command
}

// Spec sizes a workload.
type Spec struct {
	Users      int
	Deliveries int           // per user
	Sessions   int           // per user
	Commands   int           // per session, besides the opening SELECT
	Duration   time.Duration // operations start uniformly within it
	Idle       time.Duration // mean think time between session commands
	ClientIPs  int           // distinct client addresses per user
	// Folders, if above 0, makes sessions manage folders too: each opens
	// with LIST, and a quarter of the commands are CREATE, DELETE, RENAME or LIST
	// of folders named Folder1..FolderN. 0 draws nothing extra, so such a
	// seed's workload does not depend on folders at all.
	Folders int
	// Keywords, if above 0, makes every STORE set keywords too: each of
	// $Label1..$LabelN with probability 1/2. 0 draws nothing extra.
	Keywords int
	// Moves makes half the commands that would expunge a message move it
	// to the Archive mailbox instead. false draws nothing extra.
	Moves bool
	// Zipf, if above 1, spreads the Users×Deliveries deliveries and
	// Users×Sessions sessions over the users by a Zipf law with this
	// exponent (a few users get most of the mail), instead of evenly.
	Zipf float64
}

// Generate returns the workload of spec, ordered by start time.
func Generate(seed uint64, spec Spec) []Op {
	r := sim.Stream(seed, "mailgen")
	var ops []Op
	deliveries, sessions := perUser(r, spec)
	for u := range spec.Users {
		user := fmt.Sprintf("user%02d", u+1)
		for i := range deliveries[u] {
			ops = append(ops, Op{
				At: at(r, spec), User: user, Kind: Deliver, ClientIP: "192.0.2.25",
				MessageID: fmt.Sprintf("<%s.%d.%x@mailgen.invalid>", user, i+1, r.Uint32()),
				Size:      messageSize(r),
			})
		}
		for range sessions[u] {
			ops = append(ops, Op{
				At: at(r, spec), User: user, Kind: Session,
				ClientIP: fmt.Sprintf("198.51.100.%d", 10+r.IntN(max(spec.ClientIPs, 1))),
				Commands: commands(r, spec),
			})
		}
	}
	slices.SortStableFunc(ops, func(a, b Op) int { return int(a.At - b.At) })
	return ops
}

// Span returns the users ops touch, sorted, and the start time of the
// last op: what a cron job for every user during the workload needs.
func Span(ops []Op) (users []string, end time.Duration) {
	for _, op := range ops {
		end = max(end, op.At)
		if !slices.Contains(users, op.User) {
			users = append(users, op.User)
		}
	}
	slices.Sort(users)
	return users, end
}

// perUser decides how many deliveries and sessions each user gets: the
// same for all, or drawn by a Zipf law (Spec.Zipf).
func perUser(r *rand.Rand, spec Spec) (deliveries, sessions []int) {
	deliveries, sessions = make([]int, spec.Users), make([]int, spec.Users)
	if spec.Zipf <= 1 || spec.Users < 2 {
		for u := range spec.Users {
			deliveries[u], sessions[u] = spec.Deliveries, spec.Sessions
		}
		return deliveries, sessions
	}
	z := rand.NewZipf(r, spec.Zipf, 1, uint64(spec.Users-1))
	for range spec.Users * spec.Deliveries {
		deliveries[z.Uint64()]++
	}
	for range spec.Users * spec.Sessions {
		sessions[z.Uint64()]++
	}
	return deliveries, sessions
}

func at(r *rand.Rand, spec Spec) time.Duration {
	if spec.Duration <= 0 {
		return 0
	}
	return time.Duration(r.Int64N(int64(spec.Duration)))
}

// messageSize draws a body size: mostly small, some large (a heavy tail).
func messageSize(r *rand.Rand) int {
	if r.IntN(10) == 0 {
		return 20_000 + r.IntN(200_000)
	}
	return 800 + r.IntN(6000)
}

func commands(r *rand.Rand, spec Spec) []Command {
	cmds := []Command{{Kind: Select}}
	if spec.Folders > 0 {
		cmds = []Command{{Kind: List}, {Kind: Select}}
	}
	for range spec.Commands {
		if spec.Idle > 0 {
			cmds = append(cmds, Command{Kind: Idle, Wait: time.Duration(r.ExpFloat64() * float64(spec.Idle))})
		}
		if spec.Folders > 0 && r.IntN(4) == 0 {
			cmds = append(cmds, folderCommand(r, spec.Folders))
			continue
		}
		switch n := r.IntN(10); {
		case n < 5:
			c := Command{Kind: Store, Pick: r.Float64(), Flags: mailstore.Flags(r.IntN(32)) &^ mailstore.Deleted}
			for k := range spec.Keywords {
				if r.IntN(2) == 0 {
					c.Keywords = append(c.Keywords, fmt.Sprintf("$Label%d", k+1))
				}
			}
			c.Keywords = mailstore.SortKeywords(c.Keywords)
			cmds = append(cmds, c)
		case n < 7:
			c := Command{Kind: Expunge, Pick: r.Float64()}
			if spec.Moves && r.IntN(2) == 0 {
				c.Kind = Move
			}
			cmds = append(cmds, c)
		default:
			cmds = append(cmds, Command{Kind: Select})
		}
	}
	return cmds
}

// folderCommand draws a CREATE, DELETE, RENAME (to another of the
// folders, when there are two or more) or LIST of one of n folders.
func folderCommand(r *rand.Rand, n int) Command {
	i := r.IntN(n)
	name := fmt.Sprintf("Folder%d", 1+i)
	switch r.IntN(4) {
	case 0:
		return Command{Kind: Create, Folder: name}
	case 1:
		return Command{Kind: Delete, Folder: name}
	case 2:
		if n >= 2 {
			to := fmt.Sprintf("Folder%d", 1+(i+1+r.IntN(n-1))%n)
			return Command{Kind: Rename, Folder: name, To: to}
		}
	}
	return Command{Kind: List}
}

// Message renders a delivery's RFC 5322 text; the body is filler that is a
// pure function of the Message-ID and size.
func Message(op Op) mailstore.Message {
	var b strings.Builder
	fmt.Fprintf(&b, "Return-Path: <sender@example.org>\n")
	fmt.Fprintf(&b, "From: Sender <sender@example.org>\nTo: %s@example.com\n", op.User)
	fmt.Fprintf(&b, "Subject: test message %s\n", op.MessageID)
	fmt.Fprintf(&b, "Message-ID: %s\nDate: Mon, 05 Jan 2026 09:00:00 +0000\n\n", op.MessageID)
	line := "The quick brown fox jumps over the lazy dog. " + op.MessageID + "\n"
	for b.Len() < op.Size {
		b.WriteString(line)
	}
	return mailstore.Message{ID: op.MessageID, Body: []byte(b.String())}
}
