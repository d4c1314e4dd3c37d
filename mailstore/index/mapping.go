package index

import (
	"fmt"
	"slices"

	"github.com/nfsmail/nfsmail/mailstore"
)

// Map is the in-memory index: a header and the records in UID order
// (struct mail_index_map). It is a value; Clone before changing a copy.
type Map struct {
	Hdr  Header
	Recs []Record
	// Exts are the registered extensions, in dovecot.index order.
	Exts []Ext
}

func newMap(indexID uint32) *Map { return &Map{Hdr: newHeader(indexID)} }

// Clone returns an independent copy.
func (m *Map) Clone() *Map {
	c := &Map{Hdr: m.Hdr, Recs: slices.Clone(m.Recs), Exts: slices.Clone(m.Exts)}
	for i := range c.Exts {
		c.Exts[i].Hdr = slices.Clone(c.Exts[i].Hdr)
	}
	return c
}

// Find returns the position of uid.
func (m *Map) Find(uid mailstore.UID) (int, bool) {
	return slices.BinarySearchFunc(m.Recs, uid, func(r Record, u mailstore.UID) int {
		return int(int64(r.UID) - int64(u))
	})
}

// Lookup returns uid's record.
func (m *Map) Lookup(uid mailstore.UID) (Record, bool) {
	if i, ok := m.Find(uid); ok {
		return m.Recs[i], true
	}
	return Record{}, false
}

// apply applies one transaction's changes as mail-index-sync-update.c
// does; errors are the reasons Dovecot reports as "Log synchronization
// error" (the rest of the transaction is still applied).
func (m *Map) apply(c *Changes) []error {
	var errs []error
	curs := make([]extCursor, len(c.Exts))
	for i := range c.Exts {
		cur, err := m.applyIntro(c.Exts[i].Intro)
		if err != nil {
			errs = append(errs, err)
		}
		curs[i] = cur
		errs = append(errs, m.applyExtHeads(cur, &c.Exts[i])...)
	}
	for _, r := range c.Appends {
		if r.UID < mailstore.UID(m.Hdr.NextUID) {
			errs = append(errs, fmt.Errorf("Append with UID %d, but next_uid = %d", r.UID, m.Hdr.NextUID))
			continue
		}
		m.Recs = append(m.Recs, Record{UID: r.UID, Flags: r.Flags &^ MailDirty, Ext: m.zeroExt()})
		m.Hdr.NextUID = uint32(r.UID) + 1
	}
	for _, u := range c.Flags {
		if u.UID1 > u.UID2 || u.UID1 == 0 {
			errs = append(errs, fmt.Errorf("Invalid UID range (%d .. %d)", u.UID1, u.UID2))
			continue
		}
		i, _ := m.Find(u.UID1)
		for ; i < len(m.Recs) && m.Recs[i].UID <= u.UID2; i++ {
			m.Recs[i].Flags = m.Recs[i].Flags&^u.Remove | u.Add
		}
	}
	for i := range c.Exts {
		errs = append(errs, m.applyExtRecs(curs[i], &c.Exts[i])...)
	}
	// resets first: a STORE FLAGS that replaced keywords was logged as a
	// reset followed by the additions
	for _, r := range c.KeywordResets {
		m.applyKeywordReset(r)
	}
	for _, u := range c.Keywords {
		if err := m.applyKeyword(u); err != nil {
			errs = append(errs, err)
		}
	}
	for _, e := range c.Expunges {
		if !c.External {
			continue // only a request for the backend (mail-index-sync-update.c)
		}
		if i, ok := m.Find(e.UID); ok {
			m.Recs = slices.Delete(m.Recs, i, i+1)
		}
	}
	for _, h := range c.Header {
		if err := m.applyHeader(h); err != nil {
			errs = append(errs, err)
		}
	}
	m.recount()
	return errs
}

func (m *Map) applyHeader(h HeaderUpdate) error {
	end := int(h.Offset) + len(h.Data)
	if end > BaseHeaderSize {
		return fmt.Errorf("Header update outside range: %d + %d > %d", h.Offset, len(h.Data), BaseHeaderSize)
	}
	b := m.Hdr.Marshal()
	copy(b[h.Offset:], h.Data)
	nh, err := ParseHeader(b)
	if err != nil {
		return fmt.Errorf("Header update corrupted the header: %v", err)
	}
	if nh.NextUID < m.Hdr.NextUID {
		return fmt.Errorf("next_uid shrank (%d -> %d)", m.Hdr.NextUID, nh.NextUID)
	}
	m.Hdr = nh
	return nil
}

// recount refreshes the counters Dovecot keeps in the header.
func (m *Map) recount() {
	m.Hdr.MessagesCount = uint32(len(m.Recs))
	var seen, del uint32
	for _, r := range m.Recs {
		if r.Flags&mailSeen != 0 {
			seen++
		}
		if r.Flags&mailDeleted != 0 {
			del++
		}
	}
	m.Hdr.SeenMessagesCount, m.Hdr.DeletedMessages = seen, del
}

// Diff returns the changes that turn old into m: appends of new UIDs,
// expunges of vanished ones, flag and keyword updates, extension changes
// and the header fields engines own (uid_validity, next_uid,
// first_recent_uid).
func (m *Map) Diff(old *Map) Changes {
	var c Changes
	if m.Hdr.Flags != old.Hdr.Flags {
		c.SetHeader32(OffFlags, m.Hdr.Flags)
	}
	if m.Hdr.UIDValidity != old.Hdr.UIDValidity {
		c.SetHeader32(OffUIDValidity, m.Hdr.UIDValidity)
	}
	i := 0
	for _, r := range old.Recs {
		for i < len(m.Recs) && m.Recs[i].UID < r.UID {
			i++
		}
		if i >= len(m.Recs) || m.Recs[i].UID != r.UID {
			c.Expunges = append(c.Expunges, Expunge{UID: r.UID})
			continue
		}
		if n := m.Recs[i]; n.Flags != r.Flags {
			c.Flags = append(c.Flags, FlagUpdate{UID1: r.UID, UID2: r.UID,
				Add: n.Flags &^ r.Flags, Remove: r.Flags &^ n.Flags})
		}
	}
	for _, r := range m.Recs {
		if r.UID >= mailstore.UID(old.Hdr.NextUID) {
			c.Appends = append(c.Appends, r)
		}
	}
	if m.Hdr.NextUID > old.Hdr.NextUID && (len(c.Appends) == 0 || uint32(c.Appends[len(c.Appends)-1].UID)+1 != m.Hdr.NextUID) {
		c.SetHeader32(OffNextUID, m.Hdr.NextUID)
	}
	if m.Hdr.FirstRecentUID != old.Hdr.FirstRecentUID {
		c.SetHeader32(OffFirstRecentUID, m.Hdr.FirstRecentUID)
	}
	c.Exts = m.diffExts(old)
	c.Keywords = m.diffKeywords(old)
	return c
}
