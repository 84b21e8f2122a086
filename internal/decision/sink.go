package decision

import (
	"context"

	"github.com/sentrypeer/sentrypeer/internal/event"
)

// Sink feeds the engine this node's own sightings from the event bus.
type Sink struct{ Engine *Engine }

var _ event.Sink = (*Sink)(nil)

// Run observes every event of ch until it is closed or ctx is done.
func (s *Sink) Run(ctx context.Context, ch <-chan *event.Event) error {
	return event.Consume(ctx, ch, func(ev *event.Event) {
		s.Engine.Observe(Evidence{IP: ev.Source.Addr(), Number: ev.CalledNumberNorm, Origin: Local, Reporters: 1,
			Proven: ev.Transport != event.UDP || ev.Proven, At: ev.Time})
	})
}
