package decision

import "hash/maphash"

// ids finds a decision's slot by its value: an open-addressing table of
// slot ids, probed linearly, whose keys are the slots' own values. An
// entry is 8 bytes and holds no pointer, so a full set (100,000 numbers
// in a flood) is a slice the collector does not scan. With a
// map[string]uint32 and a string per value a decision cost 141 bytes
// against 106 (TestBytesPerDecision), each entry a pointer to mark on
// every cycle.
type ids struct {
	seed    maphash.Seed
	entries []idEntry // a power of two long, or empty
	n       int
}

// idEntry is a slot id and its value's hash; id 0 is an empty entry.
type idEntry struct {
	hash, id uint32
}

func newIDs() ids { return ids{seed: maphash.MakeSeed()} }

func (x *ids) hash(v string) uint32 { return uint32(maphash.String(x.seed, v)) }

// len is how many values the table holds.
func (x *ids) len() int { return x.n }

// find returns the position of v's entry, or of the empty entry where it
// would go.
func (x *ids) find(ss *slots, v string, h uint32) (int, bool) {
	mask := len(x.entries) - 1
	for i := int(h) & mask; ; i = (i + 1) & mask {
		en := x.entries[i]
		if en.id == 0 {
			return i, false
		}
		if en.hash == h && ss.value(en.id) == v {
			return i, true
		}
	}
}

// lookup returns v's slot id.
func (x *ids) lookup(ss *slots, v string) (uint32, bool) {
	if x.n == 0 {
		return 0, false
	}
	i, ok := x.find(ss, v, x.hash(v))
	return x.entries[i].id, ok
}

// add makes v, which the table does not hold, name id.
func (x *ids) add(ss *slots, v string, id uint32) {
	if 4*(x.n+1) > 3*len(x.entries) {
		x.resize(max(2*len(x.entries), 64))
	}
	h := x.hash(v)
	i, _ := x.find(ss, v, h)
	x.entries[i] = idEntry{h, id}
	x.n++
}

// remove drops v, which the table holds. The entries after it move back
// to fill the gap (no tombstones, so that a set turned over thousands of
// times a second does not fill up with them).
func (x *ids) remove(ss *slots, v string) {
	if x.n == 0 {
		return
	}
	i, ok := x.find(ss, v, x.hash(v))
	if !ok {
		return
	}
	mask := len(x.entries) - 1
	for j := (i + 1) & mask; x.entries[j].id != 0; j = (j + 1) & mask {
		// The entry at j may fill the gap at i unless its home lies
		// after i, on the way to j.
		home := int(x.entries[j].hash) & mask
		if (j-home)&mask >= (j-i)&mask {
			x.entries[i] = x.entries[j]
			i = j
		}
	}
	x.entries[i] = idEntry{}
	x.n--
	if len(x.entries) > 1024 && 8*x.n < len(x.entries) {
		x.resize(len(x.entries) / 2) // a flood's table, given back
	}
}

func (x *ids) resize(n int) {
	old := x.entries
	x.entries = make([]idEntry, n)
	mask := n - 1
	for _, en := range old {
		if en.id == 0 {
			continue
		}
		i := int(en.hash) & mask
		for x.entries[i].id != 0 {
			i = (i + 1) & mask
		}
		x.entries[i] = en
	}
}

// bytes is the table's size, for the memory budget.
func (x *ids) bytes() int64 { return int64(cap(x.entries)) * 8 }
