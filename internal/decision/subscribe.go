package decision

import "sync/atomic"

// Subscription is one blocker's view of the changes. Changes queue in a
// bounded channel; a subscriber that falls behind is not waited for: it
// misses changes, and Lost tells it to converge on the whole set again
// ([Engine.Snapshot]), which blockers do anyway after any error and on a
// timer.
type Subscription struct {
	name string
	ch   chan Change
	lost atomic.Bool
	// dropped counts changes that did not fit.
	dropped atomic.Uint64
}

// SubscriptionQueue is each subscription's channel capacity.
const SubscriptionQueue = 4096

// Subscribe returns a subscription for a blocker named name. Subscribe
// before reading the first [Engine.Snapshot], so that no change falls
// between the two.
func (e *Engine) Subscribe(name string) *Subscription {
	s := &Subscription{name: name, ch: make(chan Change, SubscriptionQueue)}
	e.mu.Lock()
	e.subs = append(e.subs, s)
	e.mu.Unlock()
	return s
}

// C delivers changes.
func (s *Subscription) C() <-chan Change { return s.ch }

// Lost reports, and clears, whether changes were missed since it was last
// called.
func (s *Subscription) Lost() bool { return s.lost.Swap(false) }

// Dropped counts the changes that did not fit in the channel.
func (s *Subscription) Dropped() uint64 { return s.dropped.Load() }

// Name is the subscriber's.
func (s *Subscription) Name() string { return s.name }

// notify queues op on id for every subscriber. e.mu is held, so changes
// queue in the order they happened.
func (e *Engine) notify(op Op, id uint32) {
	if len(e.subs) == 0 {
		return
	}
	c := Change{Op: op, Decision: e.decision(id)}
	for _, s := range e.subs {
		select {
		case s.ch <- c:
		default:
			s.dropped.Add(1)
			s.lost.Store(true)
		}
	}
}
