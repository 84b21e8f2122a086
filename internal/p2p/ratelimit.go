package p2p

import (
	"sync"
	"time"

	"github.com/libp2p/go-libp2p/core/peer"
)

// maxBuckets bounds the limiter's memory against many identities. Past it,
// new origins share one overflow bucket until idle buckets are pruned.
const maxBuckets = 10000

// bucket is a token bucket: tokens refill at rate per second up to burst.
type bucket struct {
	tokens float64
	last   time.Time
}

// limiter is a token bucket per peer. Safe for concurrent use.
type limiter struct {
	rate  float64
	burst float64

	mu       sync.Mutex
	buckets  map[peer.ID]*bucket
	overflow bucket
}

func newLimiter(rate float64, burst int) *limiter {
	return &limiter{rate: rate, burst: float64(burst), buckets: map[peer.ID]*bucket{}}
}

// allow takes one token from p's bucket and reports whether there was one.
func (l *limiter) allow(p peer.ID, now time.Time) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	b, ok := l.buckets[p]
	if !ok {
		if len(l.buckets) >= maxBuckets {
			b = &l.overflow
			if b.last.IsZero() {
				b.tokens, b.last = l.burst, now
			}
		} else {
			b = &bucket{tokens: l.burst, last: now}
			l.buckets[p] = b
		}
	}
	if dt := now.Sub(b.last).Seconds(); dt > 0 {
		b.tokens = min(l.burst, b.tokens+dt*l.rate)
		b.last = now
	}
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}

// prune forgets buckets that have refilled completely: they behave exactly
// like a new bucket, so dropping them changes nothing but memory.
func (l *limiter) prune(now time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for p, b := range l.buckets {
		if b.tokens+now.Sub(b.last).Seconds()*l.rate >= l.burst {
			delete(l.buckets, p)
		}
	}
}
