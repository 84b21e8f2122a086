package main

import (
	"math"
	"math/rand/v2"
	"time"
)

// retention is the daemon's default store.Config.MaxAge. The oldest event
// is kept retentionMargin inside it, so that the retention pass at daemon
// start does not delete any event this tool wrote.
const (
	retention       = 7 * 24 * time.Hour
	retentionMargin = time.Hour
)

// window returns the span the events cover, ending at end: days whole
// days, cut to retention − retentionMargin.
func window(end time.Time, days int) (start time.Time, span time.Duration) {
	span = time.Duration(days) * 24 * time.Hour
	span = min(span, retention-retentionMargin)
	return end.Add(-span), span
}

// diurnal is the relative probe rate at hour-of-day h (UTC, fractional):
// a cosine peaking at 03:00 UTC, four times the rate at 15:00.
func diurnal(h float64) float64 {
	return 1 + 0.6*math.Cos(2*math.Pi*(h-3)/24)
}

// schedule hands out n event times over [start, start+span], oldest first
// and strictly increasing. Each hour gets a share of n proportional to
// diurnal(hour) × noise (log-normal, σ 0.25) × an occasional burst (4 % of
// hours, 2–5×), so a probes-per-hour chart is irregular but rhythmic;
// within an hour the times are uniform order statistics drawn one by one,
// so no time list is ever held in memory.
//
// A schedule is not safe for concurrent use.
type schedule struct {
	r      *rand.Rand
	start  time.Time
	span   time.Duration
	counts []int // events per hour; the last hour may be partial

	hour int     // current hour
	done int     // events given out in the current hour
	x    float64 // last uniform draw of the hour, in [0, 1)
	prev int64   // last time given out, Unix nanoseconds
}

func newSchedule(r *rand.Rand, start time.Time, span time.Duration, n int) *schedule {
	hours := int((span + time.Hour - 1) / time.Hour)
	weights := make([]float64, hours)
	var total float64
	for i := range weights {
		binStart := start.Add(time.Duration(i) * time.Hour)
		binLen := min(time.Hour, span-time.Duration(i)*time.Hour)
		mid := binStart.Add(binLen / 2).UTC()
		h := float64(mid.Hour()) + float64(mid.Minute())/60
		w := diurnal(h) * math.Exp(0.25*r.NormFloat64())
		if r.Float64() < 0.04 {
			w *= 2 + 3*r.Float64()
		}
		w *= float64(binLen) / float64(time.Hour)
		weights[i] = w
		total += w
	}
	return &schedule{
		r:      r,
		start:  start,
		span:   span,
		counts: apportion(weights, total, n),
		prev:   start.UnixNano() - 1,
	}
}

// apportion splits n into integer shares of weights (summing to total) by
// largest remainder, so the shares sum to exactly n.
func apportion(weights []float64, total float64, n int) []int {
	counts := make([]int, len(weights))
	rems := make([]float64, len(weights))
	given := 0
	for i, w := range weights {
		exact := float64(n) * w / total
		counts[i] = int(exact)
		rems[i] = exact - float64(counts[i])
		given += counts[i]
	}
	// Fewer than len(weights) events are left; give them to the largest
	// remainders, one each.
	for ; given < n; given++ {
		best := 0
		for i, rem := range rems {
			if rem > rems[best] {
				best = i
			}
		}
		counts[best]++
		rems[best] = -1
	}
	return counts
}

// next returns the next time; ok is false once n times were given out.
func (s *schedule) next() (t time.Time, ok bool) {
	for s.hour < len(s.counts) && s.done == s.counts[s.hour] {
		s.hour++
		s.done, s.x = 0, 0
	}
	if s.hour == len(s.counts) {
		return time.Time{}, false
	}
	// The smallest of k uniforms on (x, 1) is x + (1−x)(1 − U^(1/k)).
	k := float64(s.counts[s.hour] - s.done)
	s.x += (1 - s.x) * (1 - math.Pow(1-s.r.Float64(), 1/k))
	s.done++
	binStart := time.Duration(s.hour) * time.Hour
	binLen := min(time.Hour, s.span-binStart)
	ns := s.start.UnixNano() + int64(binStart) + int64(s.x*float64(binLen))
	ns = max(ns, s.prev+1)
	s.prev = ns
	return time.Unix(0, ns).UTC(), true
}
