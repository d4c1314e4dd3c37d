package maildir

import (
	"fmt"
	"strings"
	"time"

	"github.com/nfsmail/nfsmail/mailstore"
)

const (
	infoSep      = ':'   // MAILDIR_INFO_SEP
	extraSep     = ','   // MAILDIR_EXTRA_SEP
	flagsFullSep = ":2," // MAILDIR_FLAGS_FULL_SEP
)

// nameGen makes "<sec>.M<usec>P<pid>.<hostname>" names that strictly
// increase within one process even when the clock goes back
// (maildir_filename_generate).
type nameGen struct {
	sec, usec int64
}

func (g *nameGen) next(now time.Time, pid int, host string) string {
	sec, usec := now.Unix(), int64(now.Nanosecond()/1000)
	if sec < g.sec || (sec == g.sec && usec <= g.usec) {
		sec, usec = g.sec, g.usec+1
		if usec == 1000000 {
			sec, usec = sec+1, 0
		}
	}
	g.sec, g.usec = sec, usec
	return fmt.Sprintf("%d.M%dP%d.%s", sec, usec, pid, host)
}

// baseName cuts the ":2,<flags>" info part.
func baseName(fname string) string {
	if i := strings.IndexByte(fname, infoSep); i >= 0 {
		return fname[:i]
	}
	return fname
}

// sizeField finds ",<typ>=<digits>" (S physical, W virtual size) as
// maildir_filename_get_size does: digits must end the name or be followed
// by ':' or ','.
func sizeField(fname string, typ byte) (int64, bool) {
	i := strings.Index(fname, string([]byte{extraSep, typ, '='}))
	if i < 0 {
		return 0, false
	}
	rest := fname[i+3:]
	var size int64
	j := 0
	for ; j < len(rest) && rest[j] >= '0' && rest[j] <= '9'; j++ {
		size = size*10 + int64(rest[j]-'0')
	}
	if j < len(rest) && rest[j] != infoSep && rest[j] != extraSep {
		return 0, false
	}
	return size, true
}

// Keyword letters: 'a' is line 0 of dovecot-keywords, up to 26 of them
// (MAILDIR_KEYWORD_FIRST/LAST, MAILDIR_MAX_KEYWORDS).
const (
	keywordFirst = 'a'
	keywordLast  = 'z'
	maxKeywords  = keywordLast - keywordFirst + 1
)

// flagLetters in the ASCII order the info part must keep.
var flagLetters = [...]struct {
	c byte
	f mailstore.Flags
}{
	{'D', mailstore.Draft}, {'F', mailstore.Flagged}, {'R', mailstore.Answered},
	{'S', mailstore.Seen}, {'T', mailstore.Deleted},
}

func letterFlag(c byte) (mailstore.Flags, bool) {
	for _, l := range flagLetters {
		if l.c == c {
			return l.f, true
		}
	}
	return 0, false
}

// flagsOf parses the flags of the last ":2," info part.
func flagsOf(fname string) mailstore.Flags {
	i := strings.LastIndexByte(fname, infoSep)
	if i < 0 || !strings.HasPrefix(fname[i:], flagsFullSep) {
		return 0
	}
	var flags mailstore.Flags
	for _, c := range []byte(fname[i+3:]) {
		if c == extraSep {
			break
		}
		if f, ok := letterFlag(c); ok {
			flags |= f
		}
	}
	return flags
}

// withFlags replaces the system flags and the keyword letters (a-z) in
// fname's info part with flags and keywords, keeping other letters; the
// result is in ASCII order (maildir_filename_flags_full_set).
func withFlags(fname string, flags mailstore.Flags, keywords string) string {
	old := ""
	if i := strings.LastIndexByte(fname, infoSep); i >= 0 {
		if strings.HasPrefix(fname[i:], flagsFullSep) {
			old = fname[i+3:]
		}
		fname = fname[:i]
	}
	var set [256]bool
	i := 0
	for ; i < len(old) && old[i] != extraSep; i++ {
		if c := old[i]; !isSystemFlag(c) && !isKeywordLetter(c) {
			set[c] = true // a flag we don't know: kept
		}
	}
	for _, l := range flagLetters {
		set[l.c] = set[l.c] || flags&l.f != 0
	}
	for _, c := range []byte(keywords) {
		set[c] = true
	}
	var b strings.Builder
	b.WriteString(fname)
	b.WriteString(flagsFullSep)
	for c, on := range set {
		if on {
			b.WriteByte(byte(c))
		}
	}
	b.WriteString(old[i:])
	return b.String()
}

// keywordLetters returns the keyword letters of fname's info part, in
// the order found.
func keywordLetters(fname string) string {
	i := strings.LastIndexByte(fname, infoSep)
	if i < 0 || !strings.HasPrefix(fname[i:], flagsFullSep) {
		return ""
	}
	var b []byte
	for _, c := range []byte(fname[i+3:]) {
		if c == extraSep {
			break
		}
		if isKeywordLetter(c) {
			b = append(b, c)
		}
	}
	return string(b)
}

func isKeywordLetter(c byte) bool { return c >= keywordFirst && c <= keywordLast }

func isSystemFlag(c byte) bool { _, ok := letterFlag(c); return ok }

// sortCmp orders new files for UID assignment: by the seconds in the
// name, then the M<usec> part, then the base name
// (maildir_filename_sort_cmp) — i.e. by the delivering host's clock.
func sortCmp(a, b string) int {
	sa, ra := leadingSecs(a)
	sb, rb := leadingSecs(b)
	if sa != sb {
		return cmpInt(sa, sb)
	}
	ua, oka := usecsOf(ra)
	ub, okb := usecsOf(rb)
	if oka && okb && ua != ub {
		return cmpInt(ua, ub)
	}
	return strings.Compare(baseName(ra), baseName(rb))
}

func leadingSecs(s string) (int64, string) {
	var n int64
	i := 0
	for ; i < len(s) && s[i] >= '0' && s[i] <= '9'; i++ {
		n = n*10 + int64(s[i]-'0')
	}
	return n, s[i:]
}

// usecsOf finds M<usec> in ".<uniqueness>.<host>".
func usecsOf(s string) (int64, bool) {
	if !strings.HasPrefix(s, ".") {
		return 0, false
	}
	for i := 1; i < len(s) && s[i] != '.' && s[i] != infoSep; i++ {
		if s[i] == 'M' {
			n, _ := leadingSecs(s[i+1:])
			return n, true
		}
	}
	return 0, false
}

func cmpInt(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
