package sdbox

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"

	"github.com/nfsmail/nfsmail/mailstore"
	"github.com/nfsmail/nfsmail/mailstore/index"
	"github.com/nfsmail/nfsmail/mailstore/mailboxlist"
)

func init() { mailboxlist.RegisterIndexCreator("sdbox", createIndexes) }

// createIndexes is sdbox_mailbox_create_indexes for a CREATE: the next
// UIDVALIDITY and dbox-hdr with a new mailbox GUID.
func createIndexes(env mailstore.Env, user, dir string, m *index.Map) error {
	m.Hdr.UIDValidity = mailstore.NextUIDValidity(env, user) // dbox_get_uidvalidity_next
	return fillHeader(env, dir, m, false)
}

// The "dbox-hdr" header extension (struct sdbox_index_header in
// sdbox-storage.h): rebuild_count u32, mailbox_guid [16]byte, flags u8
// (enum dbox_index_header_flags) and 3 bytes of padding. Dovecot
// registers it with no record part; sdbox_read_header treats an index
// without it, or with an empty mailbox GUID, as corrupted and rebuilds.
const (
	hdrExtName = "dbox-hdr"
	hdrExtSize = 24
)

// fillHeader is sdbox_update_header at creation and the header part of
// sdbox_sync_index_rebuild: register dbox-hdr, keep its mailbox GUID
// (generating one when empty) and, for a rebuild, count it.
func (mb *Mailbox) fillHeader(m *index.Map, rebuilt bool) error {
	return fillHeader(mb.env, mb.dir, m, rebuilt)
}

func fillHeader(env mailstore.Env, dir string, m *index.Map, rebuilt bool) error {
	if err := m.Register(hdrExtName, hdrExtSize, 0, 0); err != nil {
		return fmt.Errorf("sdbox: %s: %w", hdrExtName, err)
	}
	h, _ := m.ExtHeader(hdrExtName)
	hdr := make([]byte, hdrExtSize)
	copy(hdr, h)
	if isZero(hdr[4:20]) {
		copy(hdr[4:20], newMailboxGUID(env, dir))
	}
	if rebuilt {
		n := binary.LittleEndian.Uint32(hdr) + 1
		binary.LittleEndian.PutUint32(hdr, max(n, 1))
	}
	return m.SetExtHeader(hdrExtName, 0, hdr)
}

// newMailboxGUID is guid_128_generate made deterministic: a hash of what
// names this process and instant, so no random stream shifts.
func newMailboxGUID(env mailstore.Env, dir string) []byte {
	sum := sha256.Sum256(fmt.Appendf(nil, "%s\x00%s\x00%d\x00%d", dir, env.Hostname, env.PID,
		env.Clock.Now().UnixNano()))
	return sum[:16]
}

func isZero(b []byte) bool {
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}
