package index

import (
	"net/netip"
	"strings"
)

// ipKey is an address without its zone: a probe's zone says nothing about
// who sent it.
type ipKey = netip.Addr

// maxUAsPerKey bounds the user agents kept per IP or number; more are
// noted as such, not kept.
const maxUAsPerKey = 4

// maxPeersPerKey bounds the peer reporters tracked per IP or number: enough
// to tell a quorum, and to say "more" past it.
const maxPeersPerKey = 4

// reporterCount is one peer reporter of a key and how many of its records
// the index holds for it.
type reporterCount struct{ id, records uint32 }

// entry is what the index knows of one IP or number. The records behind it
// are linked through the ring, oldest (head) to newest (tail).
type entry struct {
	first, last int64
	count       uint64 // sightings
	records     uint32 // ring records
	local       uint32 // of them, this node's own events
	methods     uint32 // bit m: method m seen
	uas         [maxUAsPerKey]uint32
	nUAs        uint8
	nPeers      uint8
	morePeers   bool
	peers       [maxPeersPerKey]reporterCount
	head, tail  uint64 // ring sequence numbers
}

func (e *entry) sources() Source {
	var s Source
	if e.local > 0 {
		s |= Local
	}
	if e.nPeers > 0 || e.morePeers {
		s |= Peer
	}
	return s
}

func (e *entry) addReporter(id uint32) {
	if id == 0 {
		e.local++
		return
	}
	for i := range e.peers[:e.nPeers] {
		if e.peers[i].id == id {
			e.peers[i].records++
			return
		}
	}
	if int(e.nPeers) < maxPeersPerKey {
		e.peers[e.nPeers] = reporterCount{id, 1}
		e.nPeers++
		return
	}
	e.morePeers = true
}

func (e *entry) removeReporter(id uint32) {
	if id == 0 {
		e.local--
		return
	}
	for i := range e.peers[:e.nPeers] {
		if e.peers[i].id == id {
			if e.peers[i].records--; e.peers[i].records == 0 {
				e.nPeers--
				e.peers[i] = e.peers[e.nPeers]
				e.peers[e.nPeers] = reporterCount{}
			}
			return
		}
	}
}

func (e *entry) addUA(id uint32) {
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

// table holds the entries of one kind of key, by small integer id, so that
// ring records name them in 4 bytes. Id 0 is never used.
type table[K comparable] struct {
	ids     map[K]uint32
	keys    []K
	entries []entry
	free    []uint32
}

func newTable[K comparable]() table[K] {
	return table[K]{ids: make(map[K]uint32), keys: make([]K, 1), entries: make([]entry, 1)}
}

// add returns k's id, creating an empty entry for a new key.
func (t *table[K]) add(k K) uint32 {
	if id, ok := t.ids[k]; ok {
		return id
	}
	var id uint32
	if n := len(t.free); n > 0 {
		id, t.free = t.free[n-1], t.free[:n-1]
		t.keys[id], t.entries[id] = k, entry{}
	} else {
		id = uint32(len(t.keys))
		t.keys = append(t.keys, k)
		t.entries = append(t.entries, entry{})
	}
	t.ids[k] = id
	return id
}

func (t *table[K]) remove(id uint32) {
	var zero K
	delete(t.ids, t.keys[id])
	t.keys[id], t.entries[id] = zero, entry{}
	t.free = append(t.free, id)
}

func (t *table[K]) len() int { return len(t.ids) }

// uaTable interns user agents. Ids are never reused, so an entry's list
// stays right; the table is bounded instead, and user agents past the
// bound are counted under id 0.
type uaTable struct {
	ids    map[string]uint32
	names  []string
	counts []int64
}

const (
	maxUserAgents  = 1 << 16
	maxUserAgentLn = 256
)

func newUATable() uaTable {
	return uaTable{ids: make(map[string]uint32), names: []string{"(other)"}, counts: make([]int64, 1)}
}

// add counts n sightings of user agent ua and returns its id; "" is not
// tracked and gets 0.
func (t *uaTable) add(ua string, n int64) uint32 {
	if ua == "" {
		return 0
	}
	if len(ua) > maxUserAgentLn {
		ua = ua[:maxUserAgentLn]
	}
	id, ok := t.ids[ua]
	if !ok {
		if len(t.names) >= maxUserAgents {
			t.counts[0] += n
			return 0
		}
		id = uint32(len(t.names))
		t.ids[strings.Clone(ua)] = id
		t.names = append(t.names, strings.Clone(ua))
		t.counts = append(t.counts, 0)
	}
	t.counts[id] += n
	return id
}

// rekey replaces id's key by a copy of it, so that the table does not keep
// alive the memory the key was cut from.
func (t *table[K]) rekey(id uint32) {
	if s, ok := any(t.keys[id]).(string); ok {
		k := any(strings.Clone(s)).(K)
		delete(t.ids, t.keys[id])
		t.keys[id] = k
		t.ids[k] = id
	}
}

// reporterTable names the peers that reported records by small ids; id 0
// is this node. Ids are never reused.
type reporterTable struct {
	ids     map[[32]byte]uint32
	keys    [][32]byte
	trusted []bool
}

func newReporterTable(trusted [][32]byte) reporterTable {
	t := reporterTable{ids: make(map[[32]byte]uint32), keys: make([][32]byte, 1), trusted: make([]bool, 1)}
	for _, k := range trusted {
		t.trusted[t.add(k)] = true
	}
	return t
}

func (t *reporterTable) add(k [32]byte) uint32 {
	if id, ok := t.ids[k]; ok {
		return id
	}
	id := uint32(len(t.keys))
	t.ids[k] = id
	t.keys = append(t.keys, k)
	t.trusted = append(t.trusted, false)
	return id
}
