package index

import (
	"context"
	"net/netip"
	"time"

	"github.com/sentrypeer/sentrypeer/internal/event"
)

const hourNanos = int64(time.Hour)

// Add indexes events. Events older than the window are not indexed (they
// are counted as stale).
func (x *Index) Add(events ...*event.Event) {
	cutoff := x.cfg.Now().Add(-x.cfg.MaxAge).UnixNano()
	x.mu.Lock()
	defer x.mu.Unlock()
	for _, e := range events {
		t := e.Time.UnixNano()
		if t < cutoff {
			x.stale.Add(1)
			continue
		}
		x.add(e, t)
	}
	x.shed()
}

func (x *Index) add(e *event.Event, t int64) {
	x.insert(record{t: t, method: methodIndex(e.Method), ua: x.uas.add(e.UserAgent, 1), count: 1},
		e.Source.Addr(), e.CalledNumberNorm, t, t)
}

// Report is a record a peer shared: Count sightings between First and
// Last, reported by the node whose key is Reporter.
type Report struct {
	SourceIP    netip.Addr
	Number      string // normalised, "" for none
	Method      string
	UserAgent   string
	First, Last time.Time
	Count       uint32
	Reporter    [32]byte
}

// AddReports indexes peers' records. Reports whose last sighting is older
// than the window are not indexed (counted as stale).
func (x *Index) AddReports(reports ...Report) {
	cutoff := x.cfg.Now().Add(-x.cfg.MaxAge).UnixNano()
	x.mu.Lock()
	defer x.mu.Unlock()
	for _, r := range reports {
		last, first := r.Last.UnixNano(), r.First.UnixNano()
		if last < cutoff || r.Count == 0 || !r.SourceIP.IsValid() {
			x.stale.Add(1)
			continue
		}
		id := x.reporters.add(r.Reporter)
		x.insert(record{t: last, method: methodIndex(r.Method), ua: x.uas.add(r.UserAgent, int64(r.Count)), count: r.Count, reporter: id},
			r.SourceIP, r.Number, min(first, last), last)
	}
	x.shed()
}

// ipKey writes ip's key into buf: its 4 or 16 bytes, without a zone (a
// probe's zone says nothing about who sent it), IPv4-mapped addresses as
// IPv4.
func ipKey(buf *[16]byte, ip netip.Addr) []byte {
	ip = ip.Unmap()
	switch {
	case ip.Is4():
		a := ip.As4()
		return buf[:copy(buf[:], a[:])]
	case ip.Is6():
		*buf = ip.As16()
		return buf[:]
	}
	return buf[:0]
}

func ipOfKey(k []byte) netip.Addr {
	ip, _ := netip.AddrFromSlice(k)
	return ip
}

// insert links rec, standing for sightings from first to last, to its IP
// and number, and counts it.
func (x *Index) insert(rec record, ip netip.Addr, number string, first, last int64) {
	seq := x.ring.next()
	var kb [16]byte
	rec.ip = x.ips.add(ipKey(&kb, ip))
	x.link(&x.ips, rec.ip, &rec, seq, first, last, true)
	if number != "" {
		rec.number = x.numbers.add(bytesOf(number))
		x.link(&x.numbers, rec.number, &rec, seq, first, last, false)
	}
	x.ring.push(rec)
	x.methods[rec.method] += int64(rec.count)
	x.hours[rec.t/hourNanos] += int64(rec.count)
	x.total += int64(rec.count)
	x.last = max(x.last, last)
}

// link makes rec, at seq, the newest record of t's entry id.
func (x *Index) link(t *table, id uint32, rec *record, seq uint64, first, last int64, ip bool) {
	en := t.entries.at(id)
	if en.records == 0 {
		en.head, en.tailGap, en.first, en.last = seq, 0, first, last
	} else {
		tail := en.head + uint64(en.tailGap)
		prev := x.ring.at(tail)
		if ip {
			prev.nextIP = uint32(seq - tail)
		} else {
			prev.nextNum = uint32(seq - tail)
		}
		en.first, en.last = min(en.first, first), max(en.last, last)
		en.tailGap = uint32(seq - en.head)
	}
	en.records++
	en.count += uint64(rec.count)
	en.methods |= 1 << rec.method
	en.addUA(rec.ua)
	t.addReporter(en, rec.reporter)
}

// Expire drops the events that have aged out of the window.
func (x *Index) Expire() {
	cutoff := x.cfg.Now().Add(-x.cfg.MaxAge).UnixNano()
	x.mu.Lock()
	defer x.mu.Unlock()
	for x.ring.len() > 0 && x.ring.oldest().t < cutoff {
		x.dropOldest()
		x.compact()
	}
}

// dropOldest removes the ring's oldest record from every count. It is the
// oldest record of its IP and of its number too: both link records in
// arrival order.
func (x *Index) dropOldest() {
	rec := *x.ring.oldest()
	x.unlink(&x.ips, rec.ip, &rec, rec.nextIP)
	if rec.number != 0 {
		x.unlink(&x.numbers, rec.number, &rec, rec.nextNum)
	}
	n := int64(rec.count)
	x.methods[rec.method] -= n
	x.uas.counts[rec.ua] -= min(x.uas.counts[rec.ua], n)
	h := rec.t / hourNanos
	if x.hours[h] -= n; x.hours[h] <= 0 {
		delete(x.hours, h)
	}
	x.total -= n
	x.ring.pop()
}

func (x *Index) unlink(t *table, id uint32, rec *record, next uint32) {
	en := t.entries.at(id)
	if en.records--; en.records == 0 {
		t.remove(id)
		return
	}
	en.count -= uint64(rec.count)
	t.removeReporter(en, rec.reporter)
	en.head += uint64(next)
	en.tailGap -= next
	// A report's first sighting is before its time; the next record's time
	// is the best bound left.
	en.first = x.ring.at(en.head).t
}

// Run indexes queued events until the queue is closed and empty or ctx is
// done, and expires old ones every few seconds. Events are applied in
// batches, under one lock each, so that queries wait little even at a
// flood's rate.
func (x *Index) Run(ctx context.Context, events *event.Queue) error {
	tick := time.NewTicker(5 * time.Second)
	defer tick.Stop()
	event.ConsumeTicking(ctx, events, 512, tick.C, x.Expire, func(es []*event.Event) { x.Add(es...) })
	return nil
}
