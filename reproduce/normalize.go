package reproduce

import (
	"regexp"
	"strings"
)

var (
	mailboxPrefixRe = regexp.MustCompile(`^(?:(?:Mailbox [^:]+|rcpt <[^>]*>|sieve|lda|lmtp|[a-z]+\([^)]*\)(?:<[^>]*>)*): )+`)
	hexRe           = regexp.MustCompile(`\b(?:0x[0-9a-fA-F]+|[0-9a-fA-F]*[0-9][0-9a-fA-F]*[a-fA-F][0-9a-fA-F]*|[0-9a-fA-F]*[a-fA-F][0-9a-fA-F]*[0-9][0-9a-fA-F]*)\b`)
	longHexRe       = regexp.MustCompile(`[0-9a-fA-F]{12,}`)
	numRe           = regexp.MustCompile(`\d+`)
	simUserRe       = regexp.MustCompile(`\buser\d+\b`)
)

// Normalize rewrites a Dovecot message so that reports from different
// installations and the simulation's own lines compare equal: the user
// name becomes <user>, every path <path>/ plus its last component, hex
// ids (GUIDs, lock suffixes) <id> and every number N. Leading context
// ("Mailbox INBOX: ", "rcpt <...>: ") is dropped.
func Normalize(text, user string) string {
	text = mailboxPrefixRe.ReplaceAllString(text, "")
	words := strings.Split(text, " ")
	for i, w := range words {
		words[i] = normPath(w)
	}
	text = strings.Join(words, " ")
	if len(user) >= 2 {
		text = strings.ReplaceAll(text, user, "<user>")
	}
	text = simUserRe.ReplaceAllString(text, "<user>")
	text = hexRe.ReplaceAllStringFunc(text, func(h string) string {
		if len(h) >= 8 || strings.HasPrefix(h, "0x") {
			return "<id>"
		}
		return h
	})
	text = longHexRe.ReplaceAllStringFunc(text, func(h string) string {
		if strings.ContainsAny(h, "0123456789") && strings.ContainsAny(strings.ToLower(h), "abcdef") {
			return "<id>"
		}
		return h
	})
	return numRe.ReplaceAllString(text, "N")
}

// normPath turns one word holding a path into <path>/last-component,
// keeping surrounding punctuation.
func normPath(w string) string {
	slash := strings.Index(w, "/")
	if slash < 0 || strings.Contains(w, "://") {
		return w
	}
	lead := strings.LastIndexAny(w[:slash], "([<=\"'") + 1
	core := strings.TrimRight(w[lead:], ")]>:,;\"'")
	trail := w[lead+len(core):]
	core = strings.TrimRight(core, "/")
	last := core[strings.LastIndex(core, "/")+1:]
	if last == "" || last == "..." || last == "…" {
		last = "…"
	}
	return w[:lead] + "<path>/" + last + trail
}
