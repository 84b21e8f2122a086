package share

import (
	"context"
	"errors"
	"time"

	"github.com/sentrypeer/sentrypeer/internal/event"
)

// ErrRunning is returned by a second call of [Aggregator.Run].
var ErrRunning = errors.New("share: aggregator already running")

// Run aggregates events until the queue is closed and empty or ctx is
// cancelled, and flushes every Config.Interval (on a real ticker:
// Config.Now is not consulted for the schedule). When the queue is closed
// and empty it flushes once more, dropping (and counting) what does not fit
// in Out, and returns nil; when ctx is cancelled it returns nil at once,
// discarding pending updates. Either way it closes Out before returning.
// Run may be called once.
func (a *Aggregator) Run(ctx context.Context, events *event.Queue) error {
	if !a.running.CompareAndSwap(false, true) {
		return ErrRunning
	}
	defer a.closeOut()
	tick := time.NewTicker(a.cfg.Interval)
	defer tick.Stop()
	add := func(es []*event.Event) {
		for _, e := range es {
			a.Add(e)
		}
	}
	if event.ConsumeTicking(ctx, events, event.TakeMax, tick.C, a.Flush, add) {
		a.flush(true)
	}
	return nil
}

func (a *Aggregator) closeOut() {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.closed = true
	close(a.out)
}
