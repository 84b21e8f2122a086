package index

// idSet maps hashes of keys to the ids of a table: open addressing with
// linear probing over one pointer-free array. A slot holds the low 32 bits
// of the key's hash (its tag) and the id, so that a probe compares keys
// only when the tags match, and growing never needs the keys. Slot 0 is
// empty: id 0 is never used.
type idSet struct {
	slots []uint64 // tag<<32 | id
	n     int
}

const minSlots = 64

func slot(tag, id uint32) uint64 { return uint64(tag)<<32 | uint64(id) }

// find returns the id whose slot has tag h and for which eq is true, or 0.
func (s *idSet) find(h uint32, eq func(id uint32) bool) uint32 {
	if len(s.slots) == 0 {
		return 0
	}
	mask := uint32(len(s.slots) - 1)
	for i := h & mask; ; i = (i + 1) & mask {
		v := s.slots[i]
		if v == 0 {
			return 0
		}
		if uint32(v>>32) == h && eq(uint32(v)) {
			return uint32(v)
		}
	}
}

// insert adds id under tag h; the key must not be present.
func (s *idSet) insert(h, id uint32) {
	if (s.n+1)*4 > len(s.slots)*3 {
		s.resize(max(minSlots, 2*len(s.slots)))
	}
	s.place(h, id)
	s.n++
}

func (s *idSet) place(h, id uint32) {
	mask := uint32(len(s.slots) - 1)
	i := h & mask
	for s.slots[i] != 0 {
		i = (i + 1) & mask
	}
	s.slots[i] = slot(h, id)
}

// remove deletes id (under tag h), shifting later slots of the same probe
// run back so that no tombstones are needed.
func (s *idSet) remove(h, id uint32) {
	mask := uint32(len(s.slots) - 1)
	i := h & mask
	for s.slots[i] != slot(h, id) {
		if s.slots[i] == 0 {
			return
		}
		i = (i + 1) & mask
	}
	for j := (i + 1) & mask; ; j = (j + 1) & mask {
		v := s.slots[j]
		if v == 0 {
			break
		}
		// v may move to i unless its home lies cyclically in (i, j].
		home := uint32(v>>32) & mask
		if (j > i && (home <= i || home > j)) || (j < i && home <= i && home > j) {
			s.slots[i] = v
			i = j
		}
	}
	s.slots[i] = 0
	s.n--
	// Shrink at a quarter full, to half: the hysteresis keeps a table at
	// its budget, adding and removing keys, from resizing on every key.
	if len(s.slots) > minSlots && s.n*4 < len(s.slots) {
		s.resize(len(s.slots) / 2)
	}
}

func (s *idSet) resize(n int) {
	old := s.slots
	s.slots = make([]uint64, n)
	for _, v := range old {
		if v != 0 {
			s.place(uint32(v>>32), uint32(v))
		}
	}
}

// renumber rewrites every id through to (after a table's compaction).
func (s *idSet) renumber(to func(uint32) uint32) {
	for i, v := range s.slots {
		if v != 0 {
			s.slots[i] = slot(uint32(v>>32), to(uint32(v)))
		}
	}
}

func (s *idSet) bytes() int { return 8 * len(s.slots) }
