package event

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
)

// Sink consumes events. Run reads from events until the channel is closed
// (then it flushes and returns nil) or ctx is cancelled (then it returns
// promptly, possibly leaving events unprocessed).
type Sink interface {
	Run(ctx context.Context, events <-chan *Event) error
}

// ErrBusStarted is returned by [Bus.Subscribe] once events have been published.
var ErrBusStarted = errors.New("event: bus already started")

// Bus fans every published event out to its subscribers, each through its
// own bounded queue.
//
// Publish never blocks: the input is hostile, so a slow subscriber loses
// events (counted in its [Stats]) rather than stalling a listener. All
// subscriptions are made before the first Publish. Publish and Close are safe
// for concurrent use; Publish after Close drops the event.
type Bus struct {
	mu      sync.RWMutex // write-held only by Subscribe and Close
	subs    []*Subscription
	started atomic.Bool
	closed  bool
}

// Subscription is one subscriber's queue.
type Subscription struct {
	name      string
	ch        chan *Event
	delivered atomic.Uint64
	dropped   atomic.Uint64
}

// Stats is a snapshot of one subscription's counters.
type Stats struct {
	Name      string
	Capacity  int
	Queued    int
	Delivered uint64 // events put on the queue
	Dropped   uint64 // events lost because the queue was full or the bus closed
}

// NewBus returns an empty bus.
func NewBus() *Bus { return &Bus{} }

// Subscribe adds a subscriber named name with a queue of capacity events.
func (b *Bus) Subscribe(name string, capacity int) (*Subscription, error) {
	if capacity < 1 {
		return nil, errors.New("event: subscription capacity must be at least 1")
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.started.Load() || b.closed {
		return nil, ErrBusStarted
	}
	s := &Subscription{name: name, ch: make(chan *Event, capacity)}
	b.subs = append(b.subs, s)
	return s, nil
}

// C returns the channel the subscriber reads. It is closed by [Bus.Close].
func (s *Subscription) C() <-chan *Event { return s.ch }

// Stats returns the subscription's counters.
func (s *Subscription) Stats() Stats {
	return Stats{
		Name:      s.name,
		Capacity:  cap(s.ch),
		Queued:    len(s.ch),
		Delivered: s.delivered.Load(),
		Dropped:   s.dropped.Load(),
	}
}

// Publish offers e to every subscriber without blocking. It reports whether
// every subscriber accepted it.
func (b *Bus) Publish(e *Event) bool {
	if !b.started.Load() {
		b.started.Store(true)
	}
	b.mu.RLock()
	defer b.mu.RUnlock()
	ok := true
	for _, s := range b.subs {
		if b.closed {
			s.dropped.Add(1)
			ok = false
			continue
		}
		select {
		case s.ch <- e:
			s.delivered.Add(1)
		default:
			s.dropped.Add(1)
			ok = false
		}
	}
	return ok
}

// Close closes every subscriber's channel, so that sinks drain what is
// queued and return. Call it after the publishers have stopped.
func (b *Bus) Close() {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return
	}
	b.closed = true
	b.started.Store(true)
	for _, s := range b.subs {
		close(s.ch)
	}
}

// Stats returns a snapshot of every subscription, in subscription order.
func (b *Bus) Stats() []Stats {
	b.mu.RLock()
	defer b.mu.RUnlock()
	out := make([]Stats, len(b.subs))
	for i, s := range b.subs {
		out[i] = s.Stats()
	}
	return out
}

// Consume calls fn for each event until events is closed or ctx is
// cancelled, and returns nil either way: the loop every simple [Sink]
// needs, so that they all keep the same contract.
func Consume(ctx context.Context, events <-chan *Event, fn func(*Event)) error {
	for {
		select {
		case <-ctx.Done():
			return nil
		case e, ok := <-events:
			if !ok {
				return nil
			}
			fn(e)
		}
		if Drain(events, DrainMax, fn) {
			return nil
		}
	}
}

// DrainMax is how many queued events a sink takes with [Drain] before it
// looks at its context again, so that cancelling stays prompt.
const DrainMax = 256

// Drain calls fn for up to max events already queued, without blocking,
// and reports whether events was closed. A sink behind a flood takes its
// backlog this way rather than by a select that also waits on its
// context: every sink's context is done by the same channel, and under a
// flood the locking of that channel by every select was a few per cent of
// the daemon's CPU (bench/flood/run.sh with PROFILE).
func Drain(events <-chan *Event, max int, fn func(*Event)) (closed bool) {
	for range max {
		select {
		case e, ok := <-events:
			if !ok {
				return true
			}
			fn(e)
		default:
			return false
		}
	}
	return false
}
