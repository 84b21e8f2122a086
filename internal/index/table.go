package index

import (
	"hash/maphash"
	"unsafe"
)

// maxUAsPerKey bounds the user agents kept per IP or number; more are
// noted as such, not kept.
const maxUAsPerKey = 4

// maxPeersPerKey bounds the peer reporters tracked per IP or number: enough
// to tell a quorum, and to say "more" past it.
const maxPeersPerKey = 4

// entry is what the index knows of one IP or number: 64 bytes, no
// pointers. The records behind it are linked through the ring, oldest
// (head) to newest (head+tailGap). records == 0 marks a free id.
type entry struct {
	first, last int64
	count       uint64 // sightings
	head        uint64 // ring sequence of its oldest record
	tailGap     uint32 // sequence of its newest record, less head
	records     uint32 // ring records
	local       uint32 // of them, this node's own events
	peers       uint32 // its peerSet, 0 for none
	key         uint32 // arena offset of its key
	uas         [maxUAsPerKey]uint16
	methods     uint16 // bit m: method m seen
	keyLen      uint8
	nUAs        uint8
}

// peerSet is the peers that reported one key, kept apart from the entry
// because most keys of a honeypot have none.
type peerSet struct {
	peers [maxPeersPerKey]reporterCount
	n     uint8
	more  bool // a fifth peer or more reported it
}

// reporterCount is one peer reporter of a key and how many of its records
// the index holds for it.
type reporterCount struct{ id, records uint32 }

func (e *entry) addUA(id uint16) {
	if id == 0 {
		return
	}
	for _, u := range e.uas[:e.nUAs] {
		if u == id {
			return
		}
	}
	if int(e.nUAs) < maxUAsPerKey {
		e.uas[e.nUAs] = id
		e.nUAs++
	}
}

// table holds the entries of one kind of key by small integer id, so that
// ring records name them in 4 bytes. Everything in it is a pointer-free
// slab: a distinct key costs its 64-byte entry, its bytes and about 11
// bytes of hash slots. Id 0 is never used.
type table struct {
	seed     maphash.Seed
	set      idSet
	entries  slab[entry]
	keys     arena
	free     []uint32 // free ids, reused first
	peerSets slab[peerSet]
	peerFree []uint32
	live     int
}

func newTable() table {
	t := table{seed: maphash.MakeSeed()}
	t.entries.push()
	t.peerSets.push()
	return t
}

// bytesOf is a read-only view of s, so that string keys are hashed and
// compared without a copy. Nothing writes through it.
func bytesOf(s string) []byte { return unsafe.Slice(unsafe.StringData(s), len(s)) }

func (t *table) hash(k []byte) uint32 { return uint32(maphash.Bytes(t.seed, k)) }

func (t *table) key(id uint32) []byte {
	e := t.entries.at(id)
	return t.keys.get(e.key, e.keyLen)
}

// lookup returns k's id, or 0.
func (t *table) lookup(k []byte) uint32 {
	if len(k) > maxKeyLen {
		k = k[:maxKeyLen]
	}
	return t.set.find(t.hash(k), func(id uint32) bool { return string(t.key(id)) == string(k) })
}

// add returns k's id, creating an empty entry for a new key; keys longer
// than maxKeyLen are cut.
func (t *table) add(k []byte) uint32 {
	if len(k) > maxKeyLen {
		k = k[:maxKeyLen]
	}
	h := t.hash(k)
	if id := t.set.find(h, func(id uint32) bool { return string(t.key(id)) == string(k) }); id != 0 {
		return id
	}
	var id uint32
	if n := len(t.free); n > 0 {
		id, t.free = t.free[n-1], t.free[:n-1]
	} else {
		id = t.entries.push()
	}
	*t.entries.at(id) = entry{key: t.keys.add(k), keyLen: uint8(len(k))}
	t.set.insert(h, id)
	t.live++
	return id
}

// remove frees id, whose last record is gone.
func (t *table) remove(id uint32) {
	e := t.entries.at(id)
	t.set.remove(t.hash(t.key(id)), id)
	t.keys.free(e.keyLen)
	if e.peers != 0 {
		t.freePeers(e.peers)
	}
	*e = entry{}
	t.free = append(t.free, id)
	t.live--
}

func (t *table) len() int { return t.live }

// each calls fn with every live entry.
func (t *table) each(fn func(id uint32, e *entry)) {
	for id := uint32(1); id < t.entries.n; id++ {
		if e := t.entries.at(id); e.records > 0 {
			fn(id, e)
		}
	}
}

// peerSet returns e's peers, giving it a set when it has none and make is
// true; nil when it has none.
func (t *table) peerSet(e *entry, make bool) *peerSet {
	if e.peers == 0 {
		if !make {
			return nil
		}
		if n := len(t.peerFree); n > 0 {
			e.peers, t.peerFree = t.peerFree[n-1], t.peerFree[:n-1]
		} else {
			e.peers = t.peerSets.push()
		}
	}
	return t.peerSets.at(e.peers)
}

func (t *table) freePeers(id uint32) {
	*t.peerSets.at(id) = peerSet{}
	t.peerFree = append(t.peerFree, id)
	if len(t.peerFree) == int(t.peerSets.n)-1 {
		// None left: give the memory back.
		t.peerSets.truncate(1)
		t.peerFree = t.peerFree[:0]
	}
}

func (t *table) addReporter(e *entry, id uint32) {
	if id == 0 {
		e.local++
		return
	}
	ps := t.peerSet(e, true)
	for i := range ps.peers[:ps.n] {
		if ps.peers[i].id == id {
			ps.peers[i].records++
			return
		}
	}
	if int(ps.n) < maxPeersPerKey {
		ps.peers[ps.n] = reporterCount{id, 1}
		ps.n++
		return
	}
	ps.more = true
}

func (t *table) removeReporter(e *entry, id uint32) {
	if id == 0 {
		e.local--
		return
	}
	ps := t.peerSet(e, false)
	if ps == nil {
		return
	}
	for i := range ps.peers[:ps.n] {
		if ps.peers[i].id == id {
			if ps.peers[i].records--; ps.peers[i].records == 0 {
				ps.n--
				ps.peers[i] = ps.peers[ps.n]
				ps.peers[ps.n] = reporterCount{}
			}
			break
		}
	}
	if ps.n == 0 && !ps.more {
		t.freePeers(e.peers)
		e.peers = 0
	}
}

func (t *table) sources(e *entry) Source {
	var s Source
	if e.local > 0 {
		s |= Local
	}
	if e.peers != 0 {
		s |= Peer
	}
	return s
}

// bytes is the memory the table holds.
func (t *table) bytes() int {
	return t.entries.chunkCount()*slabSize*int(unsafe.Sizeof(entry{})) +
		t.peerSets.chunkCount()*slabSize*int(unsafe.Sizeof(peerSet{})) +
		t.keys.bytes() + t.set.bytes() + 4*(cap(t.free)+cap(t.peerFree))
}
