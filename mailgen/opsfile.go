package mailgen

import (
	"bufio"
	"bytes"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/nfsmail/nfsmail/mailstore"
)

// opsHeader starts every ops file.
const opsHeader = "# nfsmail ops v1"

// Format writes ops as text, one operation a line, that Parse reads back
// into an equal list:
//
//	# nfsmail ops v1
//	1.25s deliver user01 192.0.2.25 <user01.1.5f@mailgen.invalid> 3272
//	2s session user01 198.51.100.11 select; idle 3.5s; store 0.25 SA $Label1; expunge 0.5; move 0; select
//	3s session user01 198.51.100.12 list; select; create Folder2; rename Folder2 Folder3; delete Folder1; list
//
// Flags are written as letters: S(een) A(nswered) F(lagged) D(eleted) R = draft;
// a STORE's keywords follow, comma-separated ("store 0.5 S $Label1,$Label3").
func Format(ops []Op) []byte {
	var b bytes.Buffer
	b.WriteString(opsHeader + "\n")
	for _, op := range ops {
		fmt.Fprintf(&b, "%s %s %s %s", op.At, op.Kind, op.User, op.ClientIP)
		switch op.Kind {
		case Deliver:
			fmt.Fprintf(&b, " %s %d", op.MessageID, op.Size)
		case Session:
			parts := make([]string, len(op.Commands))
			for i, c := range op.Commands {
				parts[i] = formatCommand(c)
			}
			b.WriteString(" " + strings.Join(parts, "; "))
		}
		b.WriteByte('\n')
	}
	return b.Bytes()
}

func formatCommand(c Command) string {
	switch c.Kind {
	case Idle:
		return "idle " + c.Wait.String()
	case Store:
		s := fmt.Sprintf("store %s %s", strconv.FormatFloat(c.Pick, 'g', -1, 64), flagLetters(c.Flags))
		if len(c.Keywords) > 0 {
			s += " " + strings.Join(c.Keywords, ",")
		}
		return s
	case Expunge, Move:
		return string(c.Kind) + " " + strconv.FormatFloat(c.Pick, 'g', -1, 64)
	case Create, Delete:
		return string(c.Kind) + " " + c.Folder
	case Rename:
		return "rename " + c.Folder + " " + c.To
	}
	return string(c.Kind)
}

var letters = []struct {
	f mailstore.Flags
	c byte
}{{mailstore.Seen, 'S'}, {mailstore.Answered, 'A'}, {mailstore.Flagged, 'F'}, {mailstore.Deleted, 'D'}, {mailstore.Draft, 'R'}}

func flagLetters(f mailstore.Flags) string {
	s := ""
	for _, l := range letters {
		if f&l.f != 0 {
			s += string(l.c)
		}
	}
	if s == "" {
		return "-"
	}
	return s
}

// Parse reads an ops file written by Format (or by hand). name labels
// errors ("name:LINE: ...").
func Parse(name string, data []byte) ([]Op, error) {
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	var ops []Op
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		op, err := parseOp(line)
		if err != nil {
			return nil, fmt.Errorf("%s:%d: %w", name, n, err)
		}
		if len(ops) > 0 && op.At < ops[len(ops)-1].At {
			return nil, fmt.Errorf("%s:%d: operations must be in time order", name, n)
		}
		ops = append(ops, op)
	}
	return ops, sc.Err()
}

func parseOp(line string) (Op, error) {
	f := strings.Fields(line)
	if len(f) < 4 {
		return Op{}, fmt.Errorf("want TIME KIND USER CLIENT-IP ...: %q", line)
	}
	at, err := time.ParseDuration(f[0])
	if err != nil || at < 0 {
		return Op{}, fmt.Errorf("time %q is not a duration", f[0])
	}
	op := Op{At: at, Kind: Kind(f[1]), User: f[2], ClientIP: f[3]}
	switch op.Kind {
	case Deliver:
		if len(f) != 6 {
			return Op{}, fmt.Errorf("deliver wants MESSAGE-ID SIZE")
		}
		op.MessageID = f[4]
		if op.Size, err = strconv.Atoi(f[5]); err != nil || op.Size < 0 || op.Size > 64<<20 {
			return Op{}, fmt.Errorf("size %q is not a size in bytes", f[5])
		}
	case Session:
		rest := strings.Join(f[4:], " ")
		for _, part := range strings.Split(rest, ";") {
			c, err := parseCommand(strings.Fields(part))
			if err != nil {
				return Op{}, err
			}
			op.Commands = append(op.Commands, c)
		}
	default:
		return Op{}, fmt.Errorf("unknown operation %q (deliver, session)", f[1])
	}
	return op, nil
}

func parseCommand(f []string) (Command, error) {
	if len(f) == 0 {
		return Command{}, fmt.Errorf("empty command")
	}
	c := Command{Kind: CommandKind(f[0])}
	var err error
	switch {
	case (c.Kind == Select || c.Kind == List) && len(f) == 1:
	case (c.Kind == Create || c.Kind == Delete) && len(f) == 2:
		c.Folder = f[1]
		if !validFolder(c.Folder) {
			err = fmt.Errorf("folder name %q: want letters, digits, - or _, not INBOX", c.Folder)
		}
	case c.Kind == Rename && len(f) == 3:
		c.Folder, c.To = f[1], f[2]
		for _, n := range f[1:] {
			if !validFolder(n) && err == nil {
				err = fmt.Errorf("folder name %q: want letters, digits, - or _, not INBOX", n)
			}
		}
	case c.Kind == Idle && len(f) == 2:
		c.Wait, err = time.ParseDuration(f[1])
	case (c.Kind == Expunge || c.Kind == Move) && len(f) == 2:
		c.Pick, err = parsePick(f[1])
	case c.Kind == Store && (len(f) == 3 || len(f) == 4):
		if c.Pick, err = parsePick(f[1]); err == nil {
			c.Flags, err = parseFlags(f[2])
		}
		if err == nil && len(f) == 4 {
			c.Keywords, err = parseKeywords(f[3])
		}
	default:
		return c, fmt.Errorf("bad command %q (select | idle DURATION | store PICK FLAGS [KEYWORD,...] | expunge PICK | move PICK | list | create FOLDER | delete FOLDER | rename FOLDER NEW)", strings.Join(f, " "))
	}
	if err != nil {
		return c, fmt.Errorf("command %q: %w", strings.Join(f, " "), err)
	}
	return c, nil
}

// validFolder: names the engines take as folder names on every format.
func validFolder(name string) bool {
	if name == "" || strings.EqualFold(name, "INBOX") || len(name) > 64 {
		return false
	}
	for _, r := range name {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
			return false
		}
	}
	return true
}

// parseKeywords reads "k1,k2": IMAP atoms of letters, digits and $ - _ .
// (not the \ of system flags), sorted as Command.Keywords is.
func parseKeywords(s string) ([]string, error) {
	kws := strings.Split(s, ",")
	for _, k := range kws {
		ok := k != "" && len(k) <= 64
		for _, r := range k {
			ok = ok && (r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("$-_.", r))
		}
		if !ok {
			return nil, fmt.Errorf("keyword %q: want letters, digits, $ - _ or .", k)
		}
	}
	return mailstore.SortKeywords(kws), nil
}

func parsePick(s string) (float64, error) {
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || v < 0 || v >= 1 {
		return 0, fmt.Errorf("pick %q is not in [0,1)", s)
	}
	return v, nil
}

func parseFlags(s string) (mailstore.Flags, error) {
	var f mailstore.Flags
	if s == "-" {
		return 0, nil
	}
	for i := range len(s) {
		found := false
		for _, l := range letters {
			if l.c == s[i] {
				f |= l.f
				found = true
			}
		}
		if !found {
			return 0, fmt.Errorf("flag letter %q (want S A F D R or -)", s[i])
		}
	}
	return f, nil
}
