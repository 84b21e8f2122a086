package decision

import (
	"context"

	"github.com/sentrypeer/sentrypeer/internal/event"
)

// Sink feeds the engine this node's own sightings from the event bus.
type Sink struct{ Engine *Engine }

var _ event.Sink = (*Sink)(nil)

// Run observes every queued event until the queue is closed and empty or
// ctx is done.
func (s *Sink) Run(ctx context.Context, events *event.Queue) error {
	var evs []Evidence
	return event.ConsumeBatches(ctx, events, event.TakeMax, func(es []*event.Event) {
		evs = evs[:0]
		for _, ev := range es {
			if ev == nil {
				continue
			}
			evs = append(evs, Evidence{IP: ev.Source.Addr(), Number: ev.CalledNumberNorm, Origin: Local, Reporters: 1,
				Proven: ev.Transport != event.UDP || ev.Proven, At: ev.Time})
		}
		s.Engine.ObserveAll(evs)
	})
}
