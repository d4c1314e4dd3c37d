package simfs

import "sort"

// slot is one directory entry in cookie order. Removing an entry only
// marks its slot dead; dead slots are compacted away once they outnumber
// the live ones, so a listing resumed from a cookie costs O(log n + page)
// instead of a scan and sort of the whole directory.
type slot struct {
	name   string
	n      *inode
	cookie uint64
	dead   bool
}

// insert links n into directory d under name (which must be free) with
// the next cookie.
func (d *inode) insert(name string, n *inode) {
	d.cookie++
	s := &slot{name: name, n: n, cookie: d.cookie}
	d.entries[name] = dirent{n: n, cookie: d.cookie, slot: s}
	d.list = append(d.list, s)
}

// unlink removes name from directory d's entries and listing.
func (d *inode) unlink(name string) {
	e, ok := d.entries[name]
	if !ok {
		return
	}
	delete(d.entries, name)
	if e.slot != nil {
		e.slot.dead = true
		d.dead++
	}
	if d.dead > 32 && d.dead*2 > len(d.list) {
		d.compact()
	}
}

func (d *inode) compact() {
	live := d.list[:0]
	for _, s := range d.list {
		if !s.dead {
			live = append(live, s)
		}
	}
	clear(d.list[len(live):])
	d.list = live
	d.dead = 0
}

// after returns up to max live entries with a cookie above cookie (max <= 0:
// all), and whether the listing reached the end.
func (d *inode) after(cookie uint64, max int) (ents []DirEntry, eof bool) {
	i := sort.Search(len(d.list), func(i int) bool { return d.list[i].cookie > cookie })
	for ; i < len(d.list); i++ {
		s := d.list[i]
		if s.dead {
			continue
		}
		if max > 0 && len(ents) == max {
			return ents, false
		}
		ents = append(ents, DirEntry{Name: s.name, Cookie: s.cookie, Attr: s.n.attr()})
	}
	return ents, true
}

// ReadDirFunc calls fn with each entry of directory dir after cookie, in
// cookie order, until fn returns false; eof reports that the listing
// reached the end. The *DirEntry is reused between calls. fn runs with
// the store locked and must not call back into it. It allocates nothing
// per entry, which is what makes large listings cheap.
func (f *FS) ReadDirFunc(dir Ino, cookie uint64, fn func(e *DirEntry) bool) (eof bool, err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	d, err := f.dir("readdir", dir)
	if err != nil {
		return false, err
	}
	var de DirEntry
	i := sort.Search(len(d.list), func(i int) bool { return d.list[i].cookie > cookie })
	for ; i < len(d.list); i++ {
		s := d.list[i]
		if s.dead {
			continue
		}
		de.Name, de.Cookie, de.Attr = s.name, s.cookie, s.n.attr()
		if !fn(&de) {
			return false, nil
		}
	}
	return true, nil
}
