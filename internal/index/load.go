package index

import (
	"context"
	"fmt"

	"github.com/sentrypeer/sentrypeer/internal/event"
)

// Scanner reads stored events; *store.Store is one.
type Scanner interface {
	// Scan calls fn with every event of the blocks up to upTo, oldest
	// first; fn may keep the event.
	Scan(ctx context.Context, upTo int64, fn func(*event.Event) error) error
}

// loadBatch is how many events Load adds under one lock.
const loadBatch = 4096

// Load indexes what s holds up to block upTo, then marks the index
// [Index.Ready]. Call it before [Index.Run] so that the index sees events
// in the order they were stored; events published meanwhile wait in the
// sink's queue, and being in blocks after upTo, are not loaded twice.
func (x *Index) Load(ctx context.Context, s Scanner, upTo int64) error {
	return x.LoadWith(ctx, s, upTo, nil)
}

// LoadWith is [Index.Load] that also runs more (when not nil) before the
// index is marked ready, e.g. to add peers' stored reports.
func (x *Index) LoadWith(ctx context.Context, s Scanner, upTo int64, more func(context.Context) (int, error)) error {
	batch := make([]*event.Event, 0, loadBatch)
	err := s.Scan(ctx, upTo, func(e *event.Event) error {
		batch = append(batch, e)
		if len(batch) == loadBatch {
			x.Add(batch...)
			clear(batch)
			batch = batch[:0]
		}
		return nil
	})
	x.Add(batch...)
	if err != nil {
		return fmt.Errorf("index: loading: %w", err)
	}
	if more != nil {
		if _, err := more(ctx); err != nil {
			return fmt.Errorf("index: loading: %w", err)
		}
	}
	x.loaded.Store(true)
	return nil
}
