package share

import "time"

// bucket is a token bucket on an injected clock: rate tokens per second up
// to burst. Not safe for concurrent use (the Aggregator's mutex guards it).
type bucket struct {
	rate, burst float64
	tokens      float64
	last        time.Time
}

// take spends one token if there is one at now.
func (b *bucket) take(now time.Time) bool {
	if !b.last.IsZero() {
		if d := now.Sub(b.last).Seconds(); d > 0 {
			b.tokens = min(b.burst, b.tokens+d*b.rate)
		}
	}
	if b.last.IsZero() || now.After(b.last) {
		b.last = now // a clock that steps back refills nothing
	}
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}
