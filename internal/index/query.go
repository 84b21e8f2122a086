package index

import (
	"bytes"
	"cmp"
	"container/heap"
	"net/netip"
	"slices"
	"time"
)

// Entry is what the index knows of one IP or number.
type Entry struct {
	// Key is the IP in canonical form, or the normalised number.
	Key         string
	First, Last time.Time
	Count       int64
	// Methods are the SIP methods seen, in a fixed order ("NONE" for
	// responses, "OTHER" for methods the index does not name).
	Methods []string
	// UserAgents are up to four of the user agents seen, first seen first.
	UserAgents []string
	Sources    Source
	// Reporters is how many distinct nodes reported it, this one included
	// when it saw it (peers past four are not told apart).
	Reporters int
	// Enforce says that blockers may act on it: this node saw it, or a
	// quorum of peers or one trusted peer reported it.
	Enforce bool
	// Trusted: a trusted peer reported it.
	Trusted bool
}

func (x *Index) entry(t *table, id uint32, key string) Entry {
	en := t.entries.at(id)
	e := Entry{
		Key:        key,
		First:      time.Unix(0, en.first).UTC(),
		Last:       time.Unix(0, en.last).UTC(),
		Count:      int64(en.count),
		Methods:    methodList(en.methods),
		UserAgents: make([]string, 0, en.nUAs),
		Sources:    t.sources(en),
		Reporters:  t.reporters(en),
		Enforce:    x.enforce(t, en),
		Trusted:    x.trusted(t, en),
	}
	for _, id := range en.uas[:en.nUAs] {
		e.UserAgents = append(e.UserAgents, x.uas.names[id])
	}
	return e
}

func (x *Index) ipEntry(id uint32) Entry {
	return x.entry(&x.ips, id, ipOfKey(x.ips.key(id)).String())
}

func (x *Index) numberEntry(id uint32) Entry {
	return x.entry(&x.numbers, id, string(x.numbers.key(id)))
}

func (x *Index) lookupIP(ip netip.Addr) uint32 {
	var kb [16]byte
	return x.ips.lookup(ipKey(&kb, ip))
}

// CheckIP returns what the index knows of ip, and whether it was seen.
func (x *Index) CheckIP(ip netip.Addr) (Entry, bool) {
	x.mu.RLock()
	defer x.mu.RUnlock()
	id := x.lookupIP(ip)
	if id == 0 {
		return Entry{}, false
	}
	return x.ipEntry(id), true
}

// CheckNumber returns what the index knows of the normalised number, and
// whether it was called.
func (x *Index) CheckNumber(number string) (Entry, bool) {
	x.mu.RLock()
	defer x.mu.RUnlock()
	id := x.numbers.lookup(bytesOf(number))
	if id == 0 {
		return Entry{}, false
	}
	return x.numberEntry(id), true
}

// Sort names the order of a list.
type Sort uint8

const (
	ByLastSeen Sort = iota
	ByFirstSeen
	ByCount
	ByKey // address order for IPs, byte order for numbers
)

// List selects a page of IPs or numbers.
type List struct {
	Sort Sort
	// Asc reverses the default, descending, order.
	Asc           bool
	Offset, Limit int
}

// IPs returns the number of IPs, and the page l selects.
func (x *Index) IPs(l List) (int, []Entry) {
	x.mu.RLock()
	defer x.mu.RUnlock()
	ids := page(&x.ips, l, x.ips.ipKeyCmp)
	out := make([]Entry, len(ids))
	for i, id := range ids {
		out[i] = x.ipEntry(id)
	}
	return x.ips.len(), out
}

// Numbers returns the number of called numbers, and the page l selects.
func (x *Index) Numbers(l List) (int, []Entry) {
	x.mu.RLock()
	defer x.mu.RUnlock()
	ids := page(&x.numbers, l, x.numbers.keyCmp)
	out := make([]Entry, len(ids))
	for i, id := range ids {
		out[i] = x.numberEntry(id)
	}
	return x.numbers.len(), out
}

// keyCmp orders ids by their keys' bytes.
func (t *table) keyCmp(a, b uint32) int { return bytes.Compare(t.key(a), t.key(b)) }

// ipKeyCmp orders ids in address order: IPv4 first, then by bytes.
func (t *table) ipKeyCmp(a, b uint32) int {
	ka, kb := t.key(a), t.key(b)
	return cmp.Or(cmp.Compare(len(ka), len(kb)), bytes.Compare(ka, kb))
}

// page returns the ids of the entries l selects, in order. It keeps only
// the best Offset+Limit in a heap, so a first page costs one pass over the
// table, not a sort of it.
func page(t *table, l List, keyCmp func(a, b uint32) int) []uint32 {
	by := func(a, b uint32) int {
		ea, eb := t.entries.at(a), t.entries.at(b)
		var c int
		switch l.Sort {
		case ByFirstSeen:
			c = cmp.Compare(ea.first, eb.first)
		case ByCount:
			c = cmp.Compare(ea.count, eb.count)
		case ByKey:
			c = keyCmp(a, b)
		default:
			c = cmp.Compare(ea.last, eb.last)
		}
		if c == 0 && l.Sort != ByKey {
			c = keyCmp(a, b)
		}
		if !l.Asc {
			c = -c
		}
		return c
	}
	if l.Limit <= 0 || l.Offset < 0 || l.Offset >= t.len() {
		return nil
	}
	want := l.Offset + min(l.Limit, t.len())
	return topIDs(t, want, by)[l.Offset:]
}

// topIDs returns the k ids of t that come first in the order of by, in
// that order.
func topIDs(t *table, k int, by func(a, b uint32) int) []uint32 {
	h := &idHeap{by: by}
	t.each(func(id uint32, _ *entry) {
		if len(h.ids) < k {
			heap.Push(h, id)
		} else if by(id, h.ids[0]) < 0 {
			h.ids[0] = id
			heap.Fix(h, 0)
		}
	})
	slices.SortFunc(h.ids, by)
	return h.ids
}

// idHeap has the worst of the kept ids on top.
type idHeap struct {
	ids []uint32
	by  func(a, b uint32) int
}

func (h *idHeap) Len() int           { return len(h.ids) }
func (h *idHeap) Less(i, j int) bool { return h.by(h.ids[i], h.ids[j]) > 0 }
func (h *idHeap) Swap(i, j int)      { h.ids[i], h.ids[j] = h.ids[j], h.ids[i] }
func (h *idHeap) Push(x any)         { h.ids = append(h.ids, x.(uint32)) }
func (h *idHeap) Pop() any {
	id := h.ids[len(h.ids)-1]
	h.ids = h.ids[:len(h.ids)-1]
	return id
}

// AllIPs returns every IP, in address order.
func (x *Index) AllIPs() []Entry {
	_, out := x.IPs(List{Sort: ByKey, Asc: true, Limit: maxInt})
	return out
}

// AllNumbers returns every called number, in byte order.
func (x *Index) AllNumbers() []Entry {
	_, out := x.Numbers(List{Sort: ByKey, Asc: true, Limit: maxInt})
	return out
}

const maxInt = int(^uint(0) >> 1)

// Counts are the index's sizes and counters, cheap enough to scrape.
type Counts struct {
	Events, IPs, Numbers int
	// Stale counts events not indexed because they were already older
	// than the window; Evicted, events dropped early to stay in MaxEvents.
	Stale, Evicted uint64
	Ready          bool
	// Bytes is the memory the index holds, MaxBytes its budget (0: none).
	Bytes, MaxBytes int64
}

// Counts returns the current sizes and counters.
func (x *Index) Counts() Counts {
	x.mu.RLock()
	defer x.mu.RUnlock()
	return Counts{Events: int(x.total), IPs: x.ips.len(), Numbers: x.numbers.len(), Stale: x.stale.Load(), Evicted: x.evicted.Load(), Ready: x.Ready(),
		Bytes: x.bytesLocked(), MaxBytes: x.maxBytes.Load()}
}

// Summary is the part of an [Entry] a check needs, without the lists that
// cost allocations to copy out.
type Summary struct {
	First, Last time.Time
	Count       int64
	Sources     Source
	Reporters   int
	Enforce     bool
	// Trusted: a trusted peer reported it.
	Trusted bool
}

// SummaryIP is [Index.CheckIP] for the hot path of a check: it allocates
// nothing.
func (x *Index) SummaryIP(ip netip.Addr) (Summary, bool) {
	x.mu.RLock()
	defer x.mu.RUnlock()
	id := x.lookupIP(ip)
	if id == 0 {
		return Summary{}, false
	}
	return x.summary(&x.ips, id), true
}

// SummaryNumber is [Index.CheckNumber] without the lists.
func (x *Index) SummaryNumber(number string) (Summary, bool) {
	x.mu.RLock()
	defer x.mu.RUnlock()
	id := x.numbers.lookup(bytesOf(number))
	if id == 0 {
		return Summary{}, false
	}
	return x.summary(&x.numbers, id), true
}

func (x *Index) summary(t *table, id uint32) Summary {
	en := t.entries.at(id)
	return Summary{First: time.Unix(0, en.first).UTC(), Last: time.Unix(0, en.last).UTC(), Count: int64(en.count),
		Sources: t.sources(en), Reporters: t.reporters(en), Enforce: x.enforce(t, en), Trusted: x.trusted(t, en)}
}

// trusted: a trusted peer reported the entry.
func (x *Index) trusted(t *table, en *entry) bool {
	if ps := t.peerSet(en, false); ps != nil {
		for _, p := range ps.peers[:ps.n] {
			if x.reporters.trusted[p.id] {
				return true
			}
		}
	}
	return false
}

func (t *table) reporters(e *entry) int {
	n := 0
	if ps := t.peerSet(e, false); ps != nil {
		n = int(ps.n)
	}
	if e.local > 0 {
		n++
	}
	return n
}

// enforce: a local sighting, a quorum of peers, or a trusted peer.
func (x *Index) enforce(t *table, en *entry) bool {
	if en.local > 0 {
		return true
	}
	ps := t.peerSet(en, false)
	if ps == nil {
		return false
	}
	return int(ps.n) >= x.cfg.Quorum || (ps.more && maxPeersPerKey >= x.cfg.Quorum) || x.trusted(t, en)
}
