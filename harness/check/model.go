package check

import (
	"fmt"
	"slices"
	"strings"

	"github.com/nfsmail/nfsmail/mailstore"
)

// Model is the expected state of every user's INBOX, built from what
// clients were told. It is not safe for concurrent use.
type Model struct {
	users    map[string]*mailbox
	findings []Finding
	seen     map[string]bool // de-duplicates findings
}

type mailbox struct {
	msgs      map[string]*message // by Message-ID
	order     []string            // Message-IDs in delivery order
	byUID     map[mailstore.UID]string
	folderOps []folderOp // CREATEs and DELETEs, in the order they began
}

type message struct {
	uid      mailstore.UID
	expunged bool
	flags    mailstore.Flags
	keywords []string // sorted
	stored   bool     // flags and keywords were set by a successful STORE
	acked    bool     // its delivery was acknowledged
	// copies counts acknowledged saves into this mailbox: two sessions
	// that MOVE one message at once both copy it (on any storage), so
	// that many copies are no duplicate, and their UIDs and flags differ.
	copies int
	// maybeCopies counts saves into this mailbox whose outcome the client
	// never learnt (a MOVE cut off by a disconnect): each may be there.
	maybeCopies int
	// alts are other acceptable flag states: what the last STORE set on
	// the message in INBOX when it was moved (which the mover's session may
	// have seen instead of its own view), and what STOREs cut off by a
	// disconnect set (Dovecot commits before it answers, so each may have
	// stuck).
	alts []flagState
	// maybeGone: an expunge (or the expunge of a MOVE) was cut off by a
	// disconnect, so the message may be gone.
	maybeGone bool
	steps     []int
	// storedAt is the step the last successful STORE was acknowledged at;
	// markedAt the step the last STORE +FLAGS \Deleted was.
	storedAt, markedAt int
}

// NewModel returns an empty model.
func NewModel() *Model {
	return &Model{users: map[string]*mailbox{}, seen: map[string]bool{}}
}

func (m *Model) box(user string) *mailbox {
	b := m.users[user]
	if b == nil {
		b = &mailbox{msgs: map[string]*message{}, byUID: map[mailstore.UID]string{}}
		m.users[user] = b
	}
	return b
}

func (b *mailbox) msg(id string) *message {
	x := b.msgs[id]
	if x == nil {
		x = &message{}
		b.msgs[id] = x
		b.order = append(b.order, id)
	}
	return x
}

// Delivered records an acknowledged delivery (uid 0: none assigned yet).
func (m *Model) Delivered(user, id string, uid mailstore.UID, step int) {
	b := m.box(user)
	x := b.msg(id)
	x.acked = true
	x.copies++
	x.steps = append(x.steps, step)
	if uid != 0 && x.copies == 1 {
		m.sawUID(user, b, id, uid, step)
	}
}

// resolve names the message a client acted on: by its Message-ID when the
// client's SELECT could read it, else by the UID the model last saw it under.
func (b *mailbox) resolve(id string, uid mailstore.UID) string {
	if id == "" {
		return b.byUID[uid]
	}
	return id
}

// Stored records a successful flag and keyword change of message id (or,
// when the client could not read it, of whatever message uid names).
func (m *Model) Stored(user, id string, uid mailstore.UID, flags mailstore.Flags, keywords []string, step int) {
	m.StoredAfter(user, id, uid, flags, keywords, step, step)
}

// StoredAfter is Stored for a STORE sent at step sent and acknowledged at
// step: a client that sees only acknowledgements (the real tier) does not
// know the order in which two overlapping STOREs of one message were
// committed, so when the last STORE before this one was acknowledged
// after this one was sent, what it set (and what it allowed) stays
// acceptable too.
func (m *Model) StoredAfter(user, id string, uid mailstore.UID, flags mailstore.Flags, keywords []string, sent, step int) {
	x := m.actedOn(user, id, uid, step)
	if x == nil {
		return
	}
	var alts []flagState
	if x.stored && x.storedAt > sent {
		alts = append(x.alts, flagState{x.flags, x.keywords})
	}
	keywords = mailstore.SortKeywords(keywords)
	if x.markedAt > sent { // a \Deleted mark applied after this STORE adds to it
		alts = append(alts, flagState{flags | mailstore.Deleted, keywords})
	}
	x.flags, x.keywords, x.stored = flags, keywords, true
	x.alts, x.storedAt = alts, step
}

// actedOn returns the message a client's command at step named (by
// Message-ID, or by UID when the client could not read it), with step
// added to its history; nil when it names none the model knows.
func (m *Model) actedOn(user, id string, uid mailstore.UID, step int) *message {
	b := m.box(user)
	if id = b.resolve(id, uid); id == "" {
		return nil
	}
	x := b.msg(id)
	x.steps = append(x.steps, step)
	return x
}

// StoreInDoubt records a flag and keyword change (resolved as Stored
// does) whose answer never came: the connection was cut after the
// command was sent, so it may or may not have been applied. Either
// outcome is acceptable until a later STORE is acknowledged.
func (m *Model) StoreInDoubt(user, id string, uid mailstore.UID, flags mailstore.Flags, keywords []string, step int) {
	if x := m.actedOn(user, id, uid, step); x != nil {
		x.alts = append(x.alts, flagState{flags, mailstore.SortKeywords(keywords)})
	}
}

// MarkedDeleted records a STORE +FLAGS \Deleted before an expunge:
// answered, the message has the flag on top of whatever flags it had;
// cut off, it may have it. Either way it keeps it should the expunge not
// happen.
func (m *Model) MarkedDeleted(user, id string, uid mailstore.UID, answered bool, step int) {
	m.MarkedDeletedAfter(user, id, uid, answered, step, step)
}

// MarkedDeletedAfter is MarkedDeleted for a STORE +FLAGS \Deleted sent at
// step sent and answered (or cut off) at step. When the last STORE of the
// message was acknowledged after this one was sent, the two overlapped
// and either was applied last: that STORE's flags without \Deleted stay
// acceptable too, as StoredAfter allows.
func (m *Model) MarkedDeletedAfter(user, id string, uid mailstore.UID, answered bool, sent, step int) {
	x := m.actedOn(user, id, uid, step)
	if x == nil || !x.stored {
		return // unknown, or its flags are not checked
	}
	var before []flagState
	if x.storedAt > sent {
		before = append([]flagState{{x.flags, x.keywords}}, x.alts...)
	}
	defer func() {
		for _, a := range before {
			if !slices.ContainsFunc(x.alts, a.equal) {
				x.alts = append(x.alts, a)
			}
		}
	}()
	if answered {
		x.flags |= mailstore.Deleted
		for i := range x.alts {
			x.alts[i].flags |= mailstore.Deleted
		}
		x.storedAt, x.markedAt = step, step
		return
	}
	for _, a := range append([]flagState{{x.flags, x.keywords}}, x.alts...) {
		a.flags |= mailstore.Deleted
		if !slices.ContainsFunc(x.alts, a.equal) {
			x.alts = append(x.alts, a)
		}
	}
}

// ExpungeInDoubt records an expunge whose answer never came: the message
// may be gone or still there.
func (m *Model) ExpungeInDoubt(user, id string, uid mailstore.UID, step int) {
	if x := m.actedOn(user, id, uid, step); x != nil {
		x.maybeGone = true
	}
}

// MoveInDoubt records a MOVE of message id (uid in INBOX) to user's
// mailbox dst whose answer never came: the message may have left INBOX
// and may be in dst, with the flags and keywords the mover saw.
func (m *Model) MoveInDoubt(user, dst, id string, uid mailstore.UID, flags mailstore.Flags, keywords []string, step int) {
	m.ExpungeInDoubt(user, id, uid, step)
	b := m.box(MailboxKey(user, dst))
	x := b.msg(id)
	x.maybeCopies++
	x.alts = append(x.alts, flagState{flags, mailstore.SortKeywords(keywords)})
	x.steps = append(x.steps, step)
}

type flagState struct {
	flags    mailstore.Flags
	keywords []string // sorted
}

func (a flagState) equal(b flagState) bool {
	return a.flags == b.flags && slices.Equal(a.keywords, b.keywords)
}

// MailboxKey names user's mailbox name for the model's other methods, which
// take INBOX by the user's name alone: "user01/Archive". Findings about it
// carry that name.
func MailboxKey(user, name string) string {
	if name == mailstore.Inbox {
		return user
	}
	return user + "/" + name
}

// Moved records a MOVE of message id (uid in INBOX) to user's mailbox
// dst, where it got UID to (0: none yet): gone from INBOX when expunged,
// to be found in dst, with the flags and keywords the mover saw when
// flagged.
func (m *Model) Moved(user, dst, id string, uid, to mailstore.UID, flags mailstore.Flags, keywords []string, expunged, flagged bool, step int) {
	var alts []flagState
	if x := m.box(user).msgs[m.box(user).resolve(id, uid)]; x != nil && x.stored {
		alts = append(alts, flagState{x.flags, x.keywords})
	}
	if expunged {
		m.Expunged(user, id, uid, step)
	}
	m.Delivered(MailboxKey(user, dst), id, to, step)
	if flagged {
		m.Stored(MailboxKey(user, dst), id, to, flags, keywords, step)
		m.box(MailboxKey(user, dst)).msg(id).alts = alts
	}
}

// Expunged records a successful expunge, resolved as Stored does.
func (m *Model) Expunged(user, id string, uid mailstore.UID, step int) {
	if x := m.actedOn(user, id, uid, step); x != nil {
		x.expunged = true
	}
}

// Observed records what one Sync showed a client and checks what must hold
// at any moment: a message keeps its UID, a UID names one message, and no
// message is listed twice.
func (m *Model) Observed(user string, mails []mailstore.Mail, step int) {
	b := m.box(user)
	count := map[string]int{}
	for _, ml := range mails {
		if ml.MessageID == "" {
			// The file vanished between listing and reading it (another
			// session expunged or renamed it): IMAP shows such a message as
			// expunged on FETCH; it is not an identity the model can check.
			continue
		}
		count[ml.MessageID]++
		copies := 1
		if x := b.msgs[ml.MessageID]; x != nil {
			copies = max(copies, x.copies+x.maybeCopies)
		}
		if count[ml.MessageID] == copies+1 {
			m.add(Finding{Kind: Duplicated, User: user,
				Detail: fmt.Sprintf("%s listed twice by one SELECT", ml.MessageID), Steps: m.stepsOf(b, ml.MessageID, step)})
		}
		if copies == 1 {
			m.sawUID(user, b, ml.MessageID, ml.UID, step)
		} else {
			b.byUID[ml.UID] = ml.MessageID
		}
	}
}

func (m *Model) sawUID(user string, b *mailbox, id string, uid mailstore.UID, step int) {
	x := b.msg(id)
	if other, ok := b.byUID[uid]; ok && other != id {
		m.add(Finding{Kind: UIDReused, User: user,
			Detail: fmt.Sprintf("UID %d named %s, later %s", uid, other, id), Steps: m.stepsOf(b, id, step)})
	}
	b.byUID[uid] = id
	if x.uid != 0 && x.uid != uid {
		m.add(Finding{Kind: UIDChanged, User: user,
			Detail: fmt.Sprintf("%s changed UID %d -> %d", id, x.uid, uid), Steps: m.stepsOf(b, id, step)})
	}
	x.uid = uid
}

func (m *Model) stepsOf(b *mailbox, id string, step int) []int {
	var s []int
	if x := b.msgs[id]; x != nil {
		s = append(s, x.steps...)
	}
	return append(s, step)
}

// Logged records an engine log line of Error severity or worse.
func (m *Model) Logged(user, text string, level mailstore.Level, step int) {
	if level < mailstore.Error {
		return
	}
	m.add(Finding{Kind: EngineError, User: user, Detail: level.String() + ": " + text, Steps: []int{step}})
}

// Failed records an operation that failed for the client: a delivery the
// MTA must retry, an IMAP command answered NO. Nothing is lost by it, but it
// is what users and operators notice first.
func (m *Model) Failed(user, what string, err error, step int) {
	m.add(Finding{Kind: TempFail, User: user, Detail: fmt.Sprintf("%s failed: %v", what, err), Steps: []int{step}})
}

// Inconsistent records what a raw check of the stored files found.
func (m *Model) Inconsistent(user, problem string, step int) {
	m.add(Finding{Kind: Fsck, User: user, Detail: problem, Steps: []int{step}})
}

// HarnessFailed records that the harness itself failed.
func (m *Model) HarnessFailed(detail string) {
	m.add(Finding{Kind: HarnessError, Detail: detail})
}

func (m *Model) add(f Finding) {
	key := string(f.Kind) + "\x00" + f.User + "\x00" + f.Detail
	if m.seen[key] {
		return
	}
	m.seen[key] = true
	m.findings = append(m.findings, f)
}

// Audit compares a user's final mailbox, read by a cache-less host after
// quiescing, with the model.
func (m *Model) Audit(user string, mails []mailstore.Mail, step int) {
	m.Observed(user, mails, step)
	b := m.box(user)
	present := map[string]mailstore.Mail{}
	for _, ml := range mails {
		if ml.MessageID == "" {
			m.add(Finding{Kind: Unreadable, User: user, Detail: fmt.Sprintf("UID %d (%s) cannot be read", ml.UID, ml.Key), Steps: []int{step}})
			continue
		}
		present[ml.MessageID] = ml
	}
	for _, id := range b.order {
		x := b.msgs[id]
		ml, ok := present[id]
		switch {
		case !x.expunged && !ok && x.acked && !x.maybeGone:
			m.add(Finding{Kind: Lost, User: user, Detail: id + " was delivered and never expunged", Steps: m.stepsOf(b, id, step)})
		case x.expunged && ok:
			m.add(Finding{Kind: Resurrected, User: user, Detail: fmt.Sprintf("%s was expunged and is back as UID %d", id, ml.UID), Steps: m.stepsOf(b, id, step)})
		case ok && x.copies+x.maybeCopies > 1:
			// copies of concurrent MOVEs carry what each mover saw
		case ok && slices.ContainsFunc(x.alts, flagState{ml.Flags, mailstore.SortKeywords(ml.Keywords)}.equal):
		case ok && x.stored && ml.Flags != x.flags:
			m.add(Finding{Kind: FlagsLost, User: user,
				Detail: fmt.Sprintf("%s has flags (%s), last STORE set (%s)", id, ml.Flags, x.flags), Steps: m.stepsOf(b, id, step)})
		case ok && !x.stored && len(ml.Keywords) > 0:
			m.add(Finding{Kind: KeywordsLost, User: user,
				Detail: fmt.Sprintf("%s has keywords (%s) nobody set", id, strings.Join(ml.Keywords, " ")), Steps: m.stepsOf(b, id, step)})
		case ok && x.stored && !slices.Equal(mailstore.SortKeywords(ml.Keywords), x.keywords):
			m.add(Finding{Kind: KeywordsLost, User: user,
				Detail: fmt.Sprintf("%s has keywords (%s), last STORE set (%s)", id, strings.Join(ml.Keywords, " "),
					strings.Join(x.keywords, " ")), Steps: m.stepsOf(b, id, step)})
		}
	}
}

// Findings returns everything found so far, sorted.
func (m *Model) Findings() []Finding {
	out := slices.Clone(m.findings)
	Sort(out)
	return out
}

// Users lists the users the model knows, sorted.
func (m *Model) Users() []string {
	var out []string
	for u := range m.users {
		if !strings.Contains(u, "/") { // "user/Archive" is a mailbox, not a user
			out = append(out, u)
		}
	}
	slices.Sort(out)
	return out
}
