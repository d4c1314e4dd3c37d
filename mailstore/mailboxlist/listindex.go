package mailboxlist

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"slices"

	"github.com/nfsmail/nfsmail/mailstore"
	"github.com/nfsmail/nfsmail/mailstore/index"
)

// The list index's "list" extension (mailbox-list-index.h): the header is
// struct mailbox_list_index_header (refresh_flag) followed by the names,
// { uint32 id; NUL-terminated name }; every record carries struct
// mailbox_list_index_record (name_id, parent_uid, guid, uid_validity).
const (
	extList       = "list"
	listRecSize   = 4 + 4 + 16 + 4
	refreshOffset = 0
)

// tree is what a list index says: each record's folder name, and whether
// the refresh flag asks for a rescan.
type tree struct {
	names   map[mailstore.UID]string
	refresh bool
}

// parse reads the list extension of m (mailbox_list_index_parse_header
// and _records); an error is what Dovecot reports as "Corrupted mailbox
// list index".
func parse(m *index.Map) (tree, error) {
	t := tree{names: map[mailstore.UID]string{}}
	hdr, ok := m.ExtHeader(extList)
	if !ok {
		if len(m.Recs) > 0 {
			return t, fmt.Errorf("Missing list extension data")
		}
		return t, nil
	}
	if len(hdr) > refreshOffset {
		t.refresh = hdr[refreshOffset] != 0
	}
	ids := map[uint32]string{}
	for b := hdr[min(len(hdr), 1):]; len(b) >= 4; {
		id := binary.LittleEndian.Uint32(b)
		if id == 0 {
			break // padding
		}
		end := bytes.IndexByte(b[4:], 0)
		if end < 0 {
			return t, fmt.Errorf("Corrupted mailbox list index header")
		}
		ids[id] = string(b[4 : 4+end])
		b = b[4+end+1:]
	}
	for i, r := range m.Recs {
		rec := m.RecordExt(i, extList)
		if len(rec) < 4 {
			return t, fmt.Errorf("Missing list extension data")
		}
		id := binary.LittleEndian.Uint32(rec)
		name, ok := ids[id]
		if !ok {
			return t, fmt.Errorf("name_id=%d not in index header", id)
		}
		t.names[r.UID] = name
	}
	return t, nil
}

// sorted returns the tree's folder names, INBOX first.
func (t tree) sorted() []string {
	var names []string
	for _, n := range t.names {
		if n != inbox {
			names = append(names, n)
		}
	}
	slices.Sort(names)
	return append([]string{inbox}, names...)
}

// rebuild returns a copy of m listing exactly names with the refresh flag
// cleared (mailbox_list_index_sync): folders already in the index keep
// their record, vanished ones are expunged, new ones appended.
func rebuild(m *index.Map, t tree, names []string, uidValidity uint32) (*index.Map, error) {
	nm := m.Clone()
	if nm.Hdr.UIDValidity == 0 {
		nm.Hdr.UIDValidity = uidValidity
		nm.Hdr.NextUID = 1
	}
	want := map[string]bool{}
	for _, n := range names {
		want[n] = true
	}
	have := map[string]bool{}
	nm.Recs = slices.DeleteFunc(nm.Recs, func(r index.Record) bool {
		n, ok := t.names[r.UID]
		if ok && want[n] && !have[n] {
			have[n] = true
			return false
		}
		return true
	})
	for _, n := range names {
		if !have[n] {
			nm.Recs = append(nm.Recs, index.Record{UID: mailstore.UID(nm.Hdr.NextUID)})
			t.names[mailstore.UID(nm.Hdr.NextUID)] = n
			nm.Hdr.NextUID++
		}
	}
	// the header: refresh_flag = 0, then one name per record, id = uid
	hdr := []byte{0}
	for _, r := range nm.Recs {
		hdr = binary.LittleEndian.AppendUint32(hdr, uint32(r.UID))
		hdr = append(append(hdr, t.names[r.UID]...), 0)
	}
	if err := nm.Register(extList, uint32(len(hdr)), listRecSize, 4); err != nil {
		return nil, err
	}
	if cur, _ := nm.ExtHeader(extList); len(cur) > len(hdr) {
		hdr = append(hdr, make([]byte, len(cur)-len(hdr))...) // old names' space, zeroed
	}
	if err := nm.SetExtHeader(extList, 0, hdr); err != nil {
		return nil, err
	}
	for i, r := range nm.Recs {
		rec := make([]byte, listRecSize)
		copy(rec, nm.RecordExt(i, extList))               // a kept folder keeps its GUID and UIDVALIDITY
		binary.LittleEndian.PutUint32(rec, uint32(r.UID)) // name_id; parent_uid 0: no hierarchy
		if err := nm.SetRecordExt(i, extList, rec); err != nil {
			return nil, err
		}
	}
	return nm, nil
}

// Offsets in a record's list extension data of the mailbox's GUID and
// UIDVALIDITY (struct mailbox_list_index_record).
const (
	recGUID        = 8
	recUIDValidity = 24
)

// find returns the index in m.Recs of folder name's record.
func (t tree) find(m *index.Map, name string) (int, bool) {
	for uid, n := range t.names {
		if n == name {
			return m.Find(uid)
		}
	}
	return 0, false
}

// statusChanged is index_list_has_changed for what the list index keeps
// of INBOX (mailbox_list_index_include_inbox=no) and of the workload's
// folders: a new non-zero UIDVALIDITY or a new non-empty GUID.
func statusChanged(rec []byte, uidValidity uint32, guid [16]byte) bool {
	if len(rec) < listRecSize {
		return true
	}
	if uidValidity != 0 && binary.LittleEndian.Uint32(rec[recUIDValidity:]) != uidValidity {
		return true
	}
	return guid != [16]byte{} && !bytes.Equal(rec[recGUID:recGUID+16], guid[:])
}

// withRefresh returns a copy of m with the refresh flag set.
func withRefresh(m *index.Map) (*index.Map, error) {
	nm := m.Clone()
	if _, ok := nm.ExtHeader(extList); !ok {
		if err := nm.Register(extList, 1, listRecSize, 4); err != nil {
			return nil, err
		}
	}
	if err := nm.SetExtHeader(extList, refreshOffset, []byte{1}); err != nil {
		return nil, err
	}
	return nm, nil
}
