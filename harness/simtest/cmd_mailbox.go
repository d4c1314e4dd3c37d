package simtest

import (
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/cockroachdb/datadriven"
	"github.com/nfsmail/nfsmail/mailstore"
	"github.com/nfsmail/nfsmail/mailstore/maildir"
	"github.com/nfsmail/nfsmail/mailstore/mdbox"
	"github.com/nfsmail/nfsmail/mailstore/sdbox"
)

func init() {
	commands["session"] = cmdSession
	commands["deliver"] = cmdDeliver
	commands["select"] = cmdSelect
	commands["store"] = cmdStore
}

var openers = map[string]mailstore.Opener{"maildir": maildir.Open, "sdbox": sdbox.Open, "mdbox": mdbox.Open}

func (e *Env) openBox(t testing.TB, td *datadriven.TestData) (mailstore.Mailbox, error) {
	h := e.host(t, td)
	format := optArg(td, "format", "sdbox")
	open, ok := openers[format]
	if !ok {
		t.Fatalf("%s: unknown format %q (maildir, sdbox, mdbox)", td.Pos, format)
	}
	return open(e.mailEnv(h, h.mount), optArg(td, "user", "u"))
}

// session host=a [format=sdbox] [user=u] as=S opens a mailbox as an IMAP
// session does and keeps it open for select.
func cmdSession(e *Env, t testing.TB, td *datadriven.TestData) (string, error) {
	box, err := e.openBox(t, td)
	if err != nil {
		return "", err
	}
	e.boxes[arg(t, td, "as")] = box
	return "opened", nil
}

// deliver host=b [format=sdbox] [user=u] id=ID delivers one message as an
// LMTP process does (opens the mailbox, saves, exits).
func cmdDeliver(e *Env, t testing.TB, td *datadriven.TestData) (string, error) {
	box, err := e.openBox(t, td)
	if err != nil {
		return "", err
	}
	id := "<" + arg(t, td, "id") + ">"
	uid, err := box.Deliver(mailstore.Message{ID: id, Body: []byte("Message-ID: " + id + "\n\nbody\n")})
	if c, ok := box.(interface{ Close() }); ok {
		c.Close()
	}
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("uid=%d", uid), nil
}

// select box=S syncs an open session and lists its messages.
func cmdSelect(e *Env, t testing.TB, td *datadriven.TestData) (string, error) {
	box, ok := e.boxes[arg(t, td, "box")]
	if !ok {
		t.Fatalf("%s: no session %q", td.Pos, arg(t, td, "box"))
	}
	mails, err := box.Sync()
	if err != nil {
		return "", err
	}
	var parts []string
	for _, m := range mails {
		p := fmt.Sprintf("%d:%s", m.UID, m.MessageID)
		if len(m.Keywords) > 0 {
			p += "(" + strings.Join(m.Keywords, " ") + ")"
		}
		parts = append(parts, p)
	}
	return fmt.Sprintf("%d mails: %s", len(mails), strings.Join(parts, " ")), nil
}

// store box=S uid=N [keywords=K1,K2] replaces the message's keywords
// (and clears its flags) as UID STORE FLAGS (K1 K2) does.
func cmdStore(e *Env, t testing.TB, td *datadriven.TestData) (string, error) {
	box, ok := e.boxes[arg(t, td, "box")]
	if !ok {
		t.Fatalf("%s: no session %q", td.Pos, arg(t, td, "box"))
	}
	uid, err := strconv.ParseUint(arg(t, td, "uid"), 10, 32)
	if err != nil {
		t.Fatalf("%s: uid: %v", td.Pos, err)
	}
	var kw []string
	if s := optArg(td, "keywords", ""); s != "" {
		kw = strings.Split(s, ",")
	}
	if err := box.Store(mailstore.UID(uid), 0, kw); err != nil {
		return "", err
	}
	return "OK", nil
}
