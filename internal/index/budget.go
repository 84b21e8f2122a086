package index

// The index's memory is its slabs, so it knows what it holds to the chunk
// (Bytes) and keeps it under a budget by dropping its oldest events, the
// same way it keeps under MaxEvents. The daemon sizes the budget from the
// process's memory limit, so that the live heap stays below the Go soft
// limit and the collector does not run without end.

// SetMaxBytes changes the memory budget (0: none); the next batch added
// keeps to it. Safe to call at any time.
func (x *Index) SetMaxBytes(n int64) {
	x.maxBytes.Store(max(n, 0))
	x.mu.Lock()
	defer x.mu.Unlock()
	x.shed()
}

// Bytes is the memory the index holds now.
func (x *Index) Bytes() int64 {
	x.mu.RLock()
	defer x.mu.RUnlock()
	return x.bytesLocked()
}

func (x *Index) bytesLocked() int64 {
	return int64(x.ring.bytes() + x.ips.bytes() + x.numbers.bytes() + x.uas.bytes + x.reporters.bytes())
}

// shed drops the oldest events while the index holds more than MaxEvents
// or more memory than its budget.
func (x *Index) shed() {
	limit := x.maxBytes.Load()
	for x.ring.len() > x.cfg.MaxEvents || (limit > 0 && x.ring.len() > 0 && x.bytesLocked() > limit) {
		x.dropOldest()
		x.evicted.Add(1)
		x.compact()
	}
}

// compact gives back the memory of tables that are mostly free: their
// ids, key bytes and peer sets. Each costs a pass over what is left, and
// runs only once at least a chunk, and a quarter, is free, so its cost
// per removal stays small.
func (x *Index) compact() {
	if x.ips.idsWasteful() {
		to := x.ips.renumber()
		x.ring.each(func(r *record) { r.ip = to[r.ip] })
	}
	if x.numbers.idsWasteful() {
		to := x.numbers.renumber()
		x.ring.each(func(r *record) { r.number = to[r.number] })
	}
	for _, t := range [...]*table{&x.ips, &x.numbers} {
		if t.keys.wasteful() {
			t.rewriteKeys()
		}
		if t.peersWasteful() {
			t.compactPeers()
		}
	}
}

// idsWasteful: at least a chunk, and a quarter of the ids, are free. A
// table at its budget stays at its high-water mark otherwise, with new
// keys filling free ids and never room for more.
func (t *table) idsWasteful() bool {
	return len(t.free) >= slabSize && 4*len(t.free) > int(t.entries.n)
}

// renumber moves the live entries down to ids 1..live, frees the slab
// chunks past them, and returns the map from old ids to new (0 to 0).
func (t *table) renumber() []uint32 {
	to := compactSlab(&t.entries, func(e *entry) bool { return e.records > 0 })
	t.free = nil
	t.set.renumber(func(id uint32) uint32 { return to[id] })
	return to
}

// compactSlab moves the elements in use down to indexes 1.., keeping their
// order, frees the chunks past them, and returns the map from old indexes
// to new. Index 0 stays unused.
func compactSlab[T any](s *slab[T], inUse func(*T) bool) []uint32 {
	to := make([]uint32, s.n)
	next := uint32(1)
	for id := uint32(1); id < s.n; id++ {
		v := s.at(id)
		if !inUse(v) {
			continue
		}
		to[id] = next
		if next != id {
			*s.at(next) = *v
		}
		next++
	}
	s.truncate(next)
	return to
}

// rewriteKeys copies the live keys into a fresh arena, leaving the
// garbage behind.
func (t *table) rewriteKeys() {
	var a arena
	t.each(func(_ uint32, e *entry) { e.key = a.add(t.keys.get(e.key, e.keyLen)) })
	t.keys = a
}

func (t *table) peersWasteful() bool {
	return len(t.peerFree) >= slabSize && 4*len(t.peerFree) > int(t.peerSets.n)
}

// compactPeers moves the peer sets in use down, as renumber does entries.
func (t *table) compactPeers() {
	to := compactSlab(&t.peerSets, func(ps *peerSet) bool { return ps.n > 0 || ps.more })
	t.peerFree = nil
	t.each(func(_ uint32, e *entry) { e.peers = to[e.peers] })
}
