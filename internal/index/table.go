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

// entry is what the index knows of one IP or number. The events behind it
// are linked through the ring, oldest (head) to newest (tail).
type entry struct {
	first, last int64
	count       uint32
	methods     uint32 // bit m: method m seen
	uas         [maxUAsPerKey]uint32
	nUAs        uint8
	sources     Source
	head, tail  uint64 // ring sequence numbers
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

// add counts one event of user agent ua and returns its id; "" is not
// tracked and gets 0.
func (t *uaTable) add(ua string) uint32 {
	if ua == "" {
		return 0
	}
	if len(ua) > maxUserAgentLn {
		ua = ua[:maxUserAgentLn]
	}
	id, ok := t.ids[ua]
	if !ok {
		if len(t.names) >= maxUserAgents {
			t.counts[0]++
			return 0
		}
		id = uint32(len(t.names))
		t.ids[strings.Clone(ua)] = id
		t.names = append(t.names, strings.Clone(ua))
		t.counts = append(t.counts, 0)
	}
	t.counts[id]++
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
