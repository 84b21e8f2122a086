package share

import (
	"net/netip"
	"strings"
	"time"

	"github.com/sentrypeer/sentrypeer/internal/event"
	"github.com/sentrypeer/sentrypeer/internal/record"
	"github.com/sentrypeer/sentrypeer/internal/sip"
)

// Add takes one event: it is skipped (allowlisted, not public, unusable),
// sent at once as a first sighting, or folded into its key's next update.
// Run calls it for every event; tests and other drivers may call it
// directly. e is not modified or retained.
func (a *Aggregator) Add(e *event.Event) {
	a.stats.events.Add(1)
	k, tr, t, ok := a.key(e)
	if !ok {
		return
	}

	a.mu.Lock()
	defer a.mu.Unlock()
	if en := a.keys[k]; en != nil {
		en.fold(t, tr, a.gen)
		a.stats.folded.Add(1)
		return
	}
	if len(a.keys) >= a.cfg.MaxKeys {
		a.stats.droppedMaxKeys.Add(1)
		return
	}
	k = cloneKey(k)
	en := &entry{gen: a.gen}
	a.keys[k] = en
	a.stats.newKeys.Add(1)
	a.stats.keys.Add(1)
	if !a.hasRoom() {
		a.stats.outFull.Add(1)
	} else if a.budget.take(a.cfg.Now()) {
		a.send(a.firstRecord(k, t, tr, e))
		return
	}
	// Over budget, or Out is full: the first record goes at the next flush.
	a.stats.deferred.Add(1)
	en.fold(t, tr, a.gen)
}

// Flush ends the current interval: it sends one update record for every
// key with sightings since its previous record, and forgets keys with no
// sighting during the whole interval. Run calls it every Config.Interval;
// tests call it to end an interval without sleeping.
func (a *Aggregator) Flush() { a.flush(false) }

// flush is Flush; final is the last flush before Out closes, when what
// does not fit is lost rather than kept.
func (a *Aggregator) flush(final bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	for k, en := range a.keys {
		switch {
		case en.pending > 0 && a.hasRoom():
			a.send(newRecord(k, en.first, en.last, en.pending, en.tr))
			en.pending = 0
		case en.pending > 0 && final:
			a.stats.droppedFull.Add(1)
		case en.pending > 0:
			a.stats.outFull.Add(1) // kept: retried, with more sightings, next time
		case en.gen != a.gen:
			delete(a.keys, k)
			a.stats.keys.Add(-1)
			a.stats.forgotten.Add(1)
		}
	}
	a.gen++
}

// fold counts one more sighting at t into en's pending update.
func (en *entry) fold(t time.Time, tr event.Transport, gen uint64) {
	if en.pending == 0 {
		en.first, en.last = t, t
	} else {
		if t.Before(en.first) {
			en.first = t
		}
		if t.After(en.last) {
			en.last = t
		}
	}
	if en.pending < ^uint32(0) {
		en.pending++
	}
	en.tr = tr
	en.gen = gen
}

// hasRoom reports whether a record can be sent without blocking. Only the
// Aggregator sends, under a.mu, so room cannot vanish before the send.
func (a *Aggregator) hasRoom() bool {
	return !a.closed && len(a.out) < cap(a.out)
}

func newRecord(k record.Key, first, last time.Time, count uint32, tr event.Transport) *record.Record {
	return &record.Record{
		SourceIP:     k.IP,
		CalledNumber: k.Number,
		Method:       k.Method,
		UserAgent:    k.UserAgent,
		Transport:    tr,
		FirstSeen:    first,
		LastSeen:     last,
		Count:        count,
	}
}

// firstRecord is the record of a key's first sighting, e: with the
// destination and raw message if the operator shares them.
func (a *Aggregator) firstRecord(k record.Key, t time.Time, tr event.Transport, e *event.Event) *record.Record {
	r := newRecord(k, t, t, 1, tr)
	if a.cfg.ShareDestination && e.Destination.IsValid() {
		r.Destination = netip.AddrPortFrom(e.Destination.Addr().Unmap().WithZone(""), e.Destination.Port())
	}
	if a.cfg.ShareRaw && len(e.Raw) <= record.MaxRawLen {
		r.Raw = strings.Clone(e.Raw) // the record may outlive the event
	}
	return r
}

// send signs and queues one record; the caller holds a.mu and checked
// hasRoom.
func (a *Aggregator) send(r *record.Record) {
	r.Sign(a.cfg.Key)
	if r.Signature == nil {
		return // cannot happen: key admits only what a record can encode
	}
	a.out <- r
	a.stats.records.Add(1)
}

// key returns e's record key, transport and time, or false (counted) when
// e must not or cannot be shared.
func (a *Aggregator) key(e *event.Event) (k record.Key, tr event.Transport, t time.Time, ok bool) {
	if e == nil {
		a.stats.invalid.Add(1)
		return k, 0, t, false
	}
	t = e.Time
	if t.IsZero() {
		t = a.cfg.Now()
	}
	ip := e.Source.Addr().Unmap().WithZone("")
	switch {
	case !ip.IsValid(),
		e.Transport != event.UDP && e.Transport != event.TCP && e.Transport != event.TLS,
		!time.Unix(0, t.UnixNano()).Equal(t): // outside 1678-2262: not encodable
		a.stats.invalid.Add(1)
		return k, 0, t, false
	case a.allowed(ip):
		a.stats.allowlisted.Add(1)
		return k, 0, t, false
	case !a.cfg.AllowPrivate && !record.IsPublic(ip):
		a.stats.private.Add(1)
		return k, 0, t, false
	}
	number := e.CalledNumberNorm
	if number == "" {
		number = e.CalledNumber
	}
	return record.Key{
		IP:        ip,
		Number:    sip.NormaliseNumber(number), // no-op (and no allocation) when already normal
		Method:    record.CleanMethod(e.Method),
		UserAgent: record.CleanUserAgent(e.UserAgent),
	}, e.Transport, t, true
}

func (a *Aggregator) allowed(ip netip.Addr) bool {
	for _, p := range a.allow {
		if p.Contains(ip) {
			return true
		}
	}
	return false
}

// cloneKey copies k's strings into one fresh allocation: event strings
// point into the whole received message, which a long-lived map key must
// not keep alive.
func cloneKey(k record.Key) record.Key {
	s := k.Number + k.Method + k.UserAgent // one allocation (none if all empty)
	n, m := len(k.Number), len(k.Method)
	k.Number, k.Method, k.UserAgent = s[:n], s[n:n+m], s[n+m:]
	return k
}
