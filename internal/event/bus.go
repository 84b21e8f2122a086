package event

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"time"
)

// Sink consumes events. Run takes from events until the queue is closed
// and empty (then it flushes and returns nil) or ctx is cancelled (then it
// returns promptly, possibly leaving events unprocessed).
type Sink interface {
	Run(ctx context.Context, events *Queue) error
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
	q         *Queue
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
	s := &Subscription{name: name, q: NewQueue(capacity)}
	b.subs = append(b.subs, s)
	return s, nil
}

// Queue returns the queue the subscriber reads. It is closed by [Bus.Close].
func (s *Subscription) Queue() *Queue { return s.q }

// Stats returns the subscription's counters.
func (s *Subscription) Stats() Stats {
	return Stats{
		Name:      s.name,
		Capacity:  s.q.Cap(),
		Queued:    s.q.Len(),
		Delivered: s.delivered.Load(),
		Dropped:   s.dropped.Load(),
	}
}

// Publish offers e to every subscriber without blocking. It reports whether
// every subscriber accepted it.
func (b *Bus) Publish(e *Event) bool {
	return b.PublishBatch([]*Event{e}) == 1
}

// PublishBatch offers es to every subscriber without blocking, in one
// operation on each queue, and returns how many of them, from the first,
// every subscriber accepted. A subscriber whose queue fills takes the
// first events that fit and loses the rest.
func (b *Bus) PublishBatch(es []*Event) int {
	if len(es) == 0 {
		return 0
	}
	if !b.started.Load() {
		b.started.Store(true)
	}
	b.mu.RLock()
	defer b.mu.RUnlock()
	all := len(es)
	for _, s := range b.subs {
		k := 0
		if !b.closed {
			k = s.q.Put(es...)
		}
		if k > 0 {
			s.delivered.Add(uint64(k))
		}
		if k < len(es) {
			s.dropped.Add(uint64(len(es) - k))
		}
		all = min(all, k)
	}
	return all
}

// Close closes every subscriber's queue, so that sinks drain what is
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
		s.q.Close()
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

// Consume calls fn for each event until events is closed and empty or ctx
// is cancelled, and returns nil either way: the loop every simple [Sink]
// needs, so that they all keep the same contract.
func Consume(ctx context.Context, events *Queue, fn func(*Event)) error {
	return ConsumeBatches(ctx, events, TakeMax, func(es []*Event) {
		for _, e := range es {
			fn(e)
		}
	})
}

// ConsumeBatches is [Consume] for a sink that handles what is queued at
// once, up to limit events per call of fn, never none. fn must not keep
// the slice.
func ConsumeBatches(ctx context.Context, events *Queue, limit int, fn func([]*Event)) error {
	ConsumeTicking(ctx, events, limit, nil, nil, fn)
	return nil
}

// ConsumeTicking is [ConsumeBatches] for a sink that also works on a
// schedule: it calls onTick for each value of tick, also while a flood
// keeps the queue full. It reports whether it stopped because the queue
// was closed and empty (rather than because ctx was cancelled), so that
// the sink knows whether to flush.
func ConsumeTicking(ctx context.Context, events *Queue, limit int, tick <-chan time.Time, onTick func(), fn func([]*Event)) (closed bool) {
	batch := make([]*Event, 0, limit)
	for {
		var done bool
		batch, done = events.Take(batch[:0], limit)
		if len(batch) > 0 {
			fn(batch)
		}
		clear(batch) // keep no event alive while waiting
		if done {
			return true
		}
		if len(batch) == limit {
			// More may be queued: look at ctx and tick without waiting.
			select {
			case <-ctx.Done():
				return false
			case <-tick:
				onTick()
			default:
			}
			continue
		}
		select {
		case <-ctx.Done():
			return false
		case <-tick:
			onTick()
		case <-events.Ready():
		}
	}
}

// TakeMax is how many queued events a sink takes at once before it looks
// at its context again, so that cancelling stays prompt.
const TakeMax = 256
