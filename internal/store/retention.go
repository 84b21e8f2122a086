package store

import (
	"context"
	"fmt"
	"time"
)

// pruneSQL deletes one chunk of the oldest expired rows. The subquery walks
// the time index from its old end, so a chunk costs the same however large
// the table is.
const pruneSQL = `DELETE FROM events WHERE id IN (
	SELECT id FROM events WHERE time < ? ORDER BY time LIMIT ?)`

// RunRetention deletes events older than [Config.MaxAge], once at start and
// then every [Config.PruneEvery], until ctx is cancelled; then it returns
// nil. Each pass deletes in chunks of [Config.PruneChunk] rows, each its own
// short transaction, so the writer waits at most one chunk. Errors are
// logged and counted ([Stats].RetentionErrors), and the next pass tries
// again. To keep events forever, do not run it.
func (s *Store) RunRetention(ctx context.Context) error {
	t := time.NewTicker(s.cfg.PruneEvery)
	defer t.Stop()
	for {
		if _, err := s.prune(ctx, time.Now()); err != nil && ctx.Err() == nil {
			s.stats.retentionErrors.Add(1)
			s.logger.Warn("retention pass failed", "err", err)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

// prune deletes every event older than now-MaxAge, chunk by chunk, and
// returns how many it deleted.
func (s *Store) prune(ctx context.Context, now time.Time) (int64, error) {
	cutoff := now.Add(-s.cfg.MaxAge).UnixNano()
	var total int64
	for ctx.Err() == nil {
		n, err := s.pruneChunk(cutoff, s.cfg.PruneChunk)
		total += n
		if err != nil {
			return total, err
		}
		if n < int64(s.cfg.PruneChunk) {
			break
		}
	}
	if total > 0 {
		s.logger.Debug("retention deleted events", "events", total)
	}
	return total, ctx.Err()
}

// pruneChunk deletes at most limit events older than cutoff (unix nanos).
func (s *Store) pruneChunk(cutoff int64, limit int) (int64, error) {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	if s.closed {
		return 0, ErrClosed
	}
	// A background context: an interrupted DELETE would only be redone.
	res, err := s.wconn.ExecContext(context.Background(), pruneSQL, cutoff, limit)
	if err != nil {
		return 0, fmt.Errorf("deleting old events: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("deleting old events: %w", err)
	}
	s.stats.retentionDeleted.Add(uint64(n))
	return n, nil
}
