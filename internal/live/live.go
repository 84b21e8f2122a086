// Package live fans new events out to subscribers that come and go, such
// as the API's Server-Sent Events clients. It is a sink on the event bus;
// a slow subscriber loses events (counted) rather than slowing anyone.
package live

import (
	"context"
	"sync"
	"sync/atomic"

	"github.com/sentrypeer/sentrypeer/internal/event"
)

// Hub is the fan-out. Create it with [New]; it is safe for concurrent use.
type Hub struct {
	mu     sync.Mutex
	subs   map[*Sub]struct{}
	closed bool

	delivered atomic.Uint64
	dropped   atomic.Uint64
}

// Sub is one subscription.
type Sub struct {
	ch      chan *event.Event
	dropped atomic.Uint64
}

// C delivers events; it is closed when the hub stops or the subscription
// is cancelled.
func (s *Sub) C() <-chan *event.Event { return s.ch }

// Dropped returns how many events this subscriber missed because its
// queue was full.
func (s *Sub) Dropped() uint64 { return s.dropped.Load() }

// New returns a hub with no subscribers.
func New() *Hub { return &Hub{subs: make(map[*Sub]struct{})} }

// Subscribe returns a subscription queueing up to buf events, and the
// function that cancels it (safe to call more than once).
func (h *Hub) Subscribe(buf int) (*Sub, func()) {
	s := &Sub{ch: make(chan *event.Event, max(buf, 1))}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		close(s.ch)
		return s, func() {}
	}
	h.subs[s] = struct{}{}
	return s, func() {
		h.mu.Lock()
		defer h.mu.Unlock()
		if _, ok := h.subs[s]; ok {
			delete(h.subs, s)
			close(s.ch)
		}
	}
}

// Run delivers queued events until the queue is closed and empty or ctx
// is done, then closes every subscription.
func (h *Hub) Run(ctx context.Context, events *event.Queue) error {
	defer h.close()
	return event.Consume(ctx, events, h.publish)
}

func (h *Hub) publish(e *event.Event) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for s := range h.subs {
		select {
		case s.ch <- e:
			h.delivered.Add(1)
		default:
			s.dropped.Add(1)
			h.dropped.Add(1)
		}
	}
}

func (h *Hub) close() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.closed = true
	for s := range h.subs {
		close(s.ch)
		delete(h.subs, s)
	}
}

// Stats are the hub's counters.
type Stats struct {
	Subscribers        int
	Delivered, Dropped uint64
}

// Stats returns the current counters.
func (h *Hub) Stats() Stats {
	h.mu.Lock()
	n := len(h.subs)
	h.mu.Unlock()
	return Stats{Subscribers: n, Delivered: h.delivered.Load(), Dropped: h.dropped.Load()}
}
