package index

import (
	"context"
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
	for x.ring.len() > x.cfg.MaxEvents {
		x.dropOldest()
		x.evicted.Add(1)
	}
}

func (x *Index) add(e *event.Event, t int64) {
	seq := x.ring.next()
	src := Peer
	if e.NodeID == x.cfg.Self {
		src = Local
	}
	rec := record{t: t, method: methodIndex(e.Method), ua: x.uas.add(e.UserAgent)}
	rec.ip = x.ips.add(e.Source.Addr().WithZone(""))
	x.link(&x.ips.entries[rec.ip], &rec, seq, src, true)
	if e.CalledNumberNorm != "" {
		rec.number = x.numbers.add(e.CalledNumberNorm)
		if x.numbers.entries[rec.number].count == 0 {
			// The key was just made from the event's string, which may
			// share memory with the rest of the event.
			x.numbers.rekey(rec.number)
		}
		x.link(&x.numbers.entries[rec.number], &rec, seq, src, false)
	}
	x.ring.push(rec)
	x.methods[rec.method]++
	x.hours[t/hourNanos]++
	x.last = max(x.last, t)
}

// link makes rec, at seq, the newest event of en.
func (x *Index) link(en *entry, rec *record, seq uint64, src Source, ip bool) {
	if en.count == 0 {
		en.head, en.first, en.last = seq, rec.t, rec.t
	} else {
		prev := x.ring.at(en.tail)
		if ip {
			prev.nextIP = uint32(seq - en.tail)
		} else {
			prev.nextNum = uint32(seq - en.tail)
		}
		en.first, en.last = min(en.first, rec.t), max(en.last, rec.t)
	}
	en.tail = seq
	en.count++
	en.methods |= 1 << rec.method
	en.addUA(rec.ua)
	en.sources |= src
}

// Expire drops the events that have aged out of the window.
func (x *Index) Expire() {
	cutoff := x.cfg.Now().Add(-x.cfg.MaxAge).UnixNano()
	x.mu.Lock()
	defer x.mu.Unlock()
	for x.ring.len() > 0 && x.ring.oldest().t < cutoff {
		x.dropOldest()
	}
}

// dropOldest removes the ring's oldest event from every count. It is the
// oldest event of its IP and of its number too: both link events in
// arrival order.
func (x *Index) dropOldest() {
	rec := *x.ring.oldest()
	unlink(&x.ips, rec.ip, rec.nextIP, &x.ring)
	if rec.number != 0 {
		unlink(&x.numbers, rec.number, rec.nextNum, &x.ring)
	}
	x.methods[rec.method]--
	x.uas.counts[rec.ua] -= min(x.uas.counts[rec.ua], 1)
	h := rec.t / hourNanos
	if x.hours[h]--; x.hours[h] <= 0 {
		delete(x.hours, h)
	}
	x.ring.pop()
}

func unlink[K comparable](t *table[K], id, next uint32, r *ring) {
	en := &t.entries[id]
	if en.count--; en.count == 0 {
		t.remove(id)
		return
	}
	en.head += uint64(next)
	en.first = r.at(en.head).t
}

// Run indexes the events of ch until ch is closed or ctx is done, and
// expires old ones every few seconds. Events are applied in batches, under
// one lock each, so that queries wait little even at a flood's rate.
func (x *Index) Run(ctx context.Context, ch <-chan *event.Event) error {
	tick := time.NewTicker(5 * time.Second)
	defer tick.Stop()
	batch := make([]*event.Event, 0, 512)
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
			x.Expire()
		case e, ok := <-ch:
			if !ok {
				return nil
			}
			batch = append(batch[:0], e)
		drain:
			for len(batch) < cap(batch) {
				select {
				case e, ok := <-ch:
					if !ok {
						break drain
					}
					batch = append(batch, e)
				default:
					break drain
				}
			}
			x.Add(batch...)
			clear(batch)
		}
	}
}
