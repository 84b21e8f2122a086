package event

import "sync"

// Queue is a bounded FIFO of events from a [Bus] to one sink. The bus puts
// a listener's whole read batch in one call and the sink takes what is
// queued in one call: under a flood, a channel operation per event per sink
// cost the daemon about 5 % of its CPU in channel locks alone
// (bench/flood/run.sh with PROFILE).
//
// Put, Take and Close are safe for concurrent use; a queue has one reader.
type Queue struct {
	mu       sync.Mutex
	ring     []*Event // grows on demand up to capacity, never shrinks
	head     int      // index in ring of the oldest event
	n        int      // events queued
	capacity int
	closed   bool
	// ready holds a token when an event or the close arrived since the
	// reader last looked, so that the reader can sleep without missing one.
	ready chan struct{}
}

// NewQueue returns an empty queue that holds at most capacity events
// (at least 1).
func NewQueue(capacity int) *Queue {
	return &Queue{capacity: max(capacity, 1), ready: make(chan struct{}, 1)}
}

// QueueOf returns a closed queue holding es, for feeding a sink a fixed set
// of events.
func QueueOf(es ...*Event) *Queue {
	q := NewQueue(len(es))
	q.Put(es...)
	q.Close()
	return q
}

// Put appends as many of es, from the first, as there is room for, and
// returns how many. A closed queue takes none.
func (q *Queue) Put(es ...*Event) int {
	q.mu.Lock()
	k := 0
	if !q.closed {
		k = min(len(es), q.capacity-q.n)
	}
	if k > 0 {
		if q.n+k > len(q.ring) {
			q.grow(q.n + k)
		}
		tail := (q.head + q.n) % len(q.ring)
		c := copy(q.ring[tail:], es[:k])
		copy(q.ring, es[c:k])
		q.n += k
	}
	q.mu.Unlock()
	if k > 0 {
		q.signal()
	}
	return k
}

// grow makes room for at least need events, keeping their order.
func (q *Queue) grow(need int) {
	size := min(q.capacity, max(need, 2*len(q.ring), 64))
	ring := make([]*Event, size)
	c := copy(ring, q.ring[q.head:min(q.head+q.n, len(q.ring))])
	copy(ring[c:], q.ring[:q.n-c])
	q.ring, q.head = ring, 0
}

// Take appends up to limit of the oldest queued events to dst and returns
// it, without waiting. done reports that the queue is closed and nothing
// is left after this take: the reader handles what it got and stops.
func (q *Queue) Take(dst []*Event, limit int) (events []*Event, done bool) {
	q.mu.Lock()
	k := min(q.n, limit)
	if k > 0 {
		end := min(q.head+k, len(q.ring))
		dst = append(dst, q.ring[q.head:end]...)
		clear(q.ring[q.head:end]) // the queue no longer keeps them alive
		rest := k - (end - q.head)
		dst = append(dst, q.ring[:rest]...)
		clear(q.ring[:rest])
		q.head = (q.head + k) % len(q.ring)
		q.n -= k
	}
	done = q.closed && q.n == 0
	q.mu.Unlock()
	return dst, done
}

// Ready returns a channel that has a value when events or the close may
// have arrived since the last Take. A reader that found the queue empty
// waits on it.
func (q *Queue) Ready() <-chan struct{} { return q.ready }

// Close stops the queue taking events. What is queued stays to be taken.
func (q *Queue) Close() {
	q.mu.Lock()
	q.closed = true
	q.mu.Unlock()
	q.signal()
}

// Len returns how many events are queued.
func (q *Queue) Len() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.n
}

// Cap returns how many events the queue holds at most.
func (q *Queue) Cap() int { return q.capacity }

func (q *Queue) signal() {
	select {
	case q.ready <- struct{}{}:
	default: // a token is already waiting
	}
}
