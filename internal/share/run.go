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
	var batch []*event.Event
	for {
		var done bool
		batch, done = events.Take(batch[:0], event.TakeMax)
		for _, e := range batch {
			a.Add(e)
		}
		clear(batch) // keep no event alive while waiting
		if done {
			a.flush(true)
			return nil
		}
		if len(batch) == event.TakeMax {
			// More may be queued: look at ctx and the ticker without
			// waiting, so that a flood delays neither.
			select {
			case <-ctx.Done():
				return nil
			case <-tick.C:
				a.Flush()
			default:
			}
			continue
		}
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
			a.Flush()
		case <-events.Ready():
		}
	}
}

func (a *Aggregator) closeOut() {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.closed = true
	close(a.out)
}
