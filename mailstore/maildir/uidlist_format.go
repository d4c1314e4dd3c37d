package maildir

import (
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
)

// corrupted logs Dovecot's "Broken file" critical for the current line.
func (u *uidlist) corrupted(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	if u.retryRewind {
		u.m.critical("Broken or unexpectedly changed file %s line %d: %s - re-reading from beginning",
			u.path, u.readLines, msg)
		return
	}
	u.m.critical("Broken file %s line %d: %s", u.path, u.readLines, msg)
}

// readHeader parses "3 V<uidvalidity> N<next_uid> G<guid> ..." or the v1
// header; 0 means broken.
func (u *uidlist) readHeader(line string) int {
	u.readLines = 1
	if len(line) < 2 || line[0] < '0' || line[0] > '9' || line[1] != ' ' {
		u.corrupted("Corrupted header (invalid version number)")
		return 0
	}
	u.version = int(line[0] - '0')
	var uv, next uint32
	switch u.version {
	case 1:
		if _, err := fmt.Sscanf(line[2:], "%d %d", &uv, &next); err != nil {
			u.corrupted("Corrupted header (version 1)")
			return 0
		}
	case uidlistVersion:
		var ok bool
		if uv, next, ok = u.readV3Header(line[2:]); !ok {
			return 0
		}
	default:
		u.corrupted("Unsupported version %d", u.version)
		return 0
	}
	if uv == 0 || next == 0 {
		u.corrupted("Broken header (uidvalidity = %d, next_uid=%d)", uv, next)
		return 0
	}
	if uv == u.uidValidity && next < u.hdrNextUID {
		u.corrupted("next_uid header was lowered (%d -> %d)", u.hdrNextUID, next)
		return 0
	}
	u.uidValidity, u.nextUID, u.hdrNextUID = uv, next, next
	return 1
}

func (u *uidlist) readV3Header(s string) (uv, next uint32, ok bool) {
	var ext []string
	for _, field := range strings.Fields(s) {
		key, value := field[0], field[1:]
		switch key {
		case 'V', 'N':
			n, err := strconv.ParseUint(value, 10, 32)
			if err != nil {
				u.corrupted("Invalid mailbox %s: %s", map[byte]string{'V': "UID_VALIDITY", 'N': "NEXT_UID"}[key], value)
				return 0, 0, false
			}
			if key == 'V' {
				uv = uint32(n)
			} else {
				next = uint32(n)
			}
		case 'G':
			b, err := hex.DecodeString(value)
			if err != nil || len(b) != len(u.guid) {
				u.corrupted("Invalid mailbox GUID: %s", value)
				return 0, 0, false
			}
			copy(u.guid[:], b)
			u.haveGUID = true
		default:
			ext = append(ext, field)
		}
	}
	u.hdrExt = strings.Join(ext, " ")
	return uv, next, true
}

// next parses one record line (maildir_uidlist_next).
func (u *uidlist) next(line string) bool {
	uid, rest := leadingSecs(line)
	if uid == 0 || !strings.HasPrefix(rest, " ") || len(line)-len(rest) > 10 {
		u.corrupted("Invalid data: %s", rest)
		return false
	}
	if uint32(uid) <= u.prevReadUID {
		u.corrupted("UIDs not ordered (%d >= %d)", uid, u.prevReadUID)
		return false
	}
	if uid >= int64(unassigned) {
		u.corrupted("UID too high (%d)", uid)
		return false
	}
	u.prevReadUID = uint32(uid)
	if uint32(uid) <= u.lastSeenUID {
		return true // we already have this
	}
	u.lastSeenUID = uint32(uid)
	if uint32(uid) >= u.nextUID && u.version == 1 {
		u.corrupted("UID larger than next_uid (%d >= %d)", uid, u.nextUID)
		return false
	}
	rec := &record{uid: uint32(uid), flags: recNonsynced}
	name := strings.TrimLeft(rest, " ")
	if u.version == uidlistVersion {
		fields := name
		var ok bool
		if name, ok = u.readExtended(fields, rec); !ok {
			u.corrupted("Invalid extended fields: %s", fields)
			return false
		}
	}
	if strings.Contains(name, "/") {
		u.corrupted("%s: Broken filename at line %d: %s", u.path, u.readLines, name)
		return false
	}
	return u.addRead(rec, name)
}

// readExtended splits "<key><value> ... :<filename>".
func (u *uidlist) readExtended(s string, rec *record) (string, bool) {
	for s != "" && s[0] != ':' {
		field, rest, _ := strings.Cut(s, " ")
		if field[0] >= 'A' && field[0] <= 'Z' {
			rec.ext = append(rec.ext, field)
		} else {
			u.corrupted("Invalid extension record, removing: %s", field)
			u.recreate = true
		}
		s = strings.TrimLeft(rest, " ")
	}
	s = strings.TrimPrefix(s, ":")
	return s, s != ""
}

// addRead stores a parsed record, handling a filename seen before.
func (u *uidlist) addRead(rec *record, name string) bool {
	if old := u.files[name]; old != nil && old.uid == rec.uid {
		// most likely a record we saved ourselves without refreshing
		u.unsorted = true
		return true
	} else if old != nil {
		// an expunged file was moved back and appended again
		suffix := ""
		if u.retryRewind {
			suffix = " - retrying by re-reading from beginning"
		}
		u.m.warn("%s: Duplicate file entry at line %d: %s (uid %d -> %d)%s",
			u.path, u.readLines, name, old.uid, rec.uid, suffix)
		if u.retryRewind {
			return false
		}
		u.deleteRecord(old)
		u.recreate = true
	}
	if n := len(u.records); n > 0 && u.records[n-1].uid > rec.uid {
		u.unsorted = true // we saved some records without refreshing
	}
	rec.name = name
	u.files[name] = rec
	u.records = append(u.records, rec)
	return true
}

// format renders the header line (when header) and records from first on.
func (u *uidlist) format(header bool, first int) []byte {
	var b strings.Builder
	if header {
		fmt.Fprintf(&b, "%d V%d N%d G%s", uidlistVersion, u.uidValidity, u.nextUID, hex.EncodeToString(u.guid[:]))
		if u.hdrExt != "" {
			b.WriteString(" " + u.hdrExt)
		}
		b.WriteByte('\n')
	}
	for _, rec := range u.records[first:] {
		u.readRecords++
		b.WriteString(strconv.FormatUint(uint64(rec.uid), 10))
		for _, e := range rec.ext {
			b.WriteString(" " + e)
		}
		b.WriteString(" :" + baseName(rec.name) + "\n")
	}
	return []byte(b.String())
}
