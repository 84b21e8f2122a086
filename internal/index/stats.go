package index

import (
	"cmp"
	"slices"
	"time"
)

// ValueCount is one row of a top-N table.
type ValueCount struct {
	Value string
	Count int64
}

// HourCount is the number of events in the hour starting at Hour.
type HourCount struct {
	Hour  time.Time
	Count int64
}

// Stats summarises the window.
type Stats struct {
	Events                     int64
	IPs, Numbers, UserAgents   int
	First, Last                time.Time // zero when there are no events
	TopIPs, TopNumbers         []ValueCount
	TopUserAgents, TopPrefixes []ValueCount
	Methods                    []ValueCount // every method seen, most first
	Hours                      []HourCount  // the window, oldest first; the last is the current hour
	Window                     time.Duration
	Ready                      bool
	Stale, Evicted             uint64
}

// prefixLen is how many leading characters of a normalised number make
// its prefix in Stats: with the international "00", the country code.
const prefixLen = 4

// Stats returns totals, the top entries (top of each) and events per hour.
// It costs one pass over the IPs and numbers.
func (x *Index) Stats(top int) Stats {
	now := x.cfg.Now()
	x.mu.RLock()
	defer x.mu.RUnlock()
	s := Stats{
		Events:  x.total,
		IPs:     x.ips.len(),
		Numbers: x.numbers.len(),
		Window:  x.cfg.MaxAge,
		Ready:   x.Ready(),
		Stale:   x.stale.Load(),
		Evicted: x.evicted.Load(),
	}
	if s.Events > 0 {
		s.First = time.Unix(0, x.ring.oldest().t).UTC()
		s.Last = time.Unix(0, x.last).UTC()
	}
	byCount := func(t *table, keyCmp func(a, b uint32) int) func(a, b uint32) int {
		return func(a, b uint32) int {
			return cmp.Or(cmp.Compare(t.entries.at(b).count, t.entries.at(a).count), keyCmp(a, b))
		}
	}
	for _, id := range topIDs(&x.ips, top, byCount(&x.ips, x.ips.ipKeyCmp)) {
		s.TopIPs = append(s.TopIPs, ValueCount{ipOfKey(x.ips.key(id)).String(), int64(x.ips.entries.at(id).count)})
	}
	prefixes := make(map[string]int64)
	x.numbers.each(func(id uint32, en *entry) {
		p := x.numbers.key(id)
		prefixes[string(p[:min(len(p), prefixLen)])] += int64(en.count)
	})
	for _, id := range topIDs(&x.numbers, top, byCount(&x.numbers, x.numbers.keyCmp)) {
		s.TopNumbers = append(s.TopNumbers, ValueCount{string(x.numbers.key(id)), int64(x.numbers.entries.at(id).count)})
	}
	s.TopPrefixes = topCounts(prefixes, top)

	uas := make(map[string]int64)
	for id, n := range x.uas.counts {
		if n > 0 {
			uas[x.uas.names[id]] = n
			s.UserAgents++
		}
	}
	s.TopUserAgents = topCounts(uas, top)
	methods := make(map[string]int64)
	for m, n := range x.methods {
		if n > 0 {
			methods[methodNames[m]] = n
		}
	}
	s.Methods = topCounts(methods, len(methods))

	hours := int((x.cfg.MaxAge + time.Hour - 1) / time.Hour)
	current := now.UnixNano() / hourNanos
	s.Hours = make([]HourCount, hours)
	for i := range s.Hours {
		h := current - int64(hours-1-i)
		s.Hours[i] = HourCount{Hour: time.Unix(h*3600, 0).UTC(), Count: x.hours[h]}
	}
	return s
}

// topCounts returns the n largest counts of m, ties by value.
func topCounts(m map[string]int64, n int) []ValueCount {
	out := make([]ValueCount, 0, len(m))
	for v, c := range m {
		out = append(out, ValueCount{v, c})
	}
	slices.SortFunc(out, func(a, b ValueCount) int { return cmp.Or(cmp.Compare(b.Count, a.Count), cmp.Compare(a.Value, b.Value)) })
	return out[:min(n, len(out))]
}
