package main

import (
	"context"
	"time"

	"github.com/sentrypeer/sentrypeer/internal/event"
	"github.com/sentrypeer/sentrypeer/internal/store"
)

// daemonFlush is the daemon's store.Config.FlushInterval: a live batch
// holds the events that arrive within it of the batch's first event.
const daemonFlush = store.DefaultFlushInterval

// liveFlush is the FlushInterval of the store in -live mode: long enough
// for a group, already built, to be sent whole, short enough that 10^6
// groups do not take hours.
const liveFlush = 200 * time.Microsecond

// feedBulk queues every event of g as fast as the store takes them, then
// closes q. The store then writes batches of up to BatchSize events
// spanning hours of event time: a database shaped by a backlog, not by
// live traffic.
func feedBulk(ctx context.Context, g *generator, q *event.Queue) {
	defer q.Close()
	for e := g.next(); e != nil; e = g.next() {
		if !put(ctx, q, []*event.Event{e}) {
			return
		}
	}
}

// put queues es, waiting while the queue is full, and reports false if
// ctx ended first.
func put(ctx context.Context, q *event.Queue, es []*event.Event) bool {
	for {
		es = es[q.Put(es...):]
		if len(es) == 0 {
			return true
		}
		select {
		case <-time.After(20 * time.Microsecond):
		case <-ctx.Done():
			return false
		}
	}
}

// stored is the part of *store.Store that feedLive waits on.
type stored interface {
	Stats() store.Stats
}

// feedLive reproduces the batches the daemon writes at the events' real
// pace: it sends the events whose times lie within daemonFlush of a
// group's first event as one group, and waits until the store has written
// (or lost) them before it sends the next, so that each group becomes one
// batch (the store must use liveFlush). A group is split only if sending
// it takes longer than liveFlush. It closes q.
func feedLive(ctx context.Context, g *generator, q *event.Queue, st stored) {
	defer q.Close()
	var sent uint64
	group := make([]*event.Event, 0, 64)
	e := g.next()
	for e != nil {
		group = append(group[:0], e)
		end := e.Time.Add(daemonFlush)
		for e = g.next(); e != nil && e.Time.Before(end); e = g.next() {
			group = append(group, e)
		}
		if !put(ctx, q, group) {
			return
		}
		sent += uint64(len(group))
		for {
			s := st.Stats()
			if s.EventsStored+s.EventsLost >= sent {
				break
			}
			select {
			case <-time.After(20 * time.Microsecond):
			case <-ctx.Done():
				return
			}
		}
	}
}
