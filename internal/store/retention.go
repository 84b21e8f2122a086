package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// expiredSQL lists the oldest blocks whose newest event is older than a
// cutoff, through blocks_last_time.
const expiredSQL = `SELECT id, events, ip_first, ip_last, number_first, number_last
	FROM blocks WHERE last_time < ? ORDER BY last_time LIMIT ?`

// RunRetention deletes events older than [Config.MaxAge], once at start and
// then every [Config.PruneEvery], until ctx is cancelled; then it returns
// nil. Events go by block: a block is deleted once its newest event is
// older than MaxAge, so an event outlives MaxAge by at most its block's
// span (under [Config.FlushInterval] in steady traffic, a minute at most).
//
// Each pass works in chunks of at most [Config.PruneChunk] deleted rows,
// each its own short transaction, so the writer waits at most one chunk.
// Errors are logged and counted ([Stats].RetentionErrors), and the next pass
// tries again. To keep events forever, do not run it.
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

// pruneProgress remembers, within a pass, how far the lookup rows of a
// block too large for one chunk have been deleted.
type pruneProgress struct {
	block           int64
	ipNext, numNext int64
}

// prune deletes every block whose newest event is older than now-MaxAge,
// chunk by chunk, and returns how many events it deleted.
func (s *Store) prune(ctx context.Context, now time.Time) (int64, error) {
	cutoff := now.Add(-s.cfg.MaxAge).UnixNano()
	var (
		total int64
		p     pruneProgress
	)
	for ctx.Err() == nil {
		n, done, err := s.pruneChunk(cutoff, s.cfg.PruneChunk, &p)
		total += n
		if err != nil {
			return total, err
		}
		if done {
			break
		}
	}
	if total > 0 {
		s.logger.Debug("retention deleted events", "events", total)
	}
	if _, err := s.pruneShared(ctx, cutoff); err != nil {
		return total, err
	}
	if _, err := s.pruneReported(ctx, cutoff); err != nil {
		return total, err
	}
	return total, ctx.Err()
}

// expiredBlock is one row of expiredSQL.
type expiredBlock struct {
	id, events        int64
	ipFirst, ipLast   int64
	numFirst, numLast int64
}

// pruneChunk deletes, in one transaction, at most budget rows: the lookup
// rows of expired blocks, oldest first, by rowid range, and each block once
// its lookup rows are gone. Deleting lookup rows before their block means
// an interrupted chunk leaves nothing unreachable: the next one deletes
// the rest. It returns the events of the blocks deleted and whether no
// expired block is left.
func (s *Store) pruneChunk(cutoff int64, budget int, p *pruneProgress) (events int64, done bool, err error) {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	if s.closed {
		return 0, false, ErrClosed
	}
	// A background context: an interrupted DELETE would only be redone.
	ctx := context.Background()
	tx, err := s.wconn.BeginTx(ctx, nil)
	if err != nil {
		return 0, false, fmt.Errorf("deleting old events: %w", err)
	}
	defer tx.Rollback()
	blocks, err := expiredBlocks(ctx, tx, cutoff, budget)
	if err != nil {
		return 0, false, fmt.Errorf("deleting old events: %w", err)
	}
	left := int64(budget)
	done = len(blocks) < budget
	for _, b := range blocks {
		ipLo, numLo := b.ipFirst, b.numFirst
		if p.block == b.id {
			ipLo, numLo = p.ipNext, p.numNext
		}
		ipLo, err = deleteRange(ctx, tx, "block_source_ips", ipLo, b.ipLast, &left)
		if err == nil {
			numLo, err = deleteRange(ctx, tx, "block_called_numbers", numLo, b.numLast, &left)
		}
		if err != nil {
			return 0, false, fmt.Errorf("deleting old events: %w", err)
		}
		if ipLo <= b.ipLast || numLo <= b.numLast || left == 0 {
			*p = pruneProgress{block: b.id, ipNext: ipLo, numNext: numLo}
			done = false
			break
		}
		if _, err := tx.ExecContext(ctx, "DELETE FROM blocks WHERE id = ?", b.id); err != nil {
			return 0, false, fmt.Errorf("deleting old events: %w", err)
		}
		left--
		events += b.events
	}
	if err := tx.Commit(); err != nil {
		return 0, false, fmt.Errorf("deleting old events: %w", err)
	}
	s.stats.retentionDeleted.Add(uint64(events))
	return events, done, nil
}

func expiredBlocks(ctx context.Context, tx *sql.Tx, cutoff int64, limit int) ([]expiredBlock, error) {
	rows, err := tx.QueryContext(ctx, expiredSQL, cutoff, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []expiredBlock
	for rows.Next() {
		var b expiredBlock
		if err := rows.Scan(&b.id, &b.events, &b.ipFirst, &b.ipLast, &b.numFirst, &b.numLast); err != nil {
			return nil, err
		}
		out = append(out, b)
	}
	return out, rows.Err()
}

// deleteRange deletes the rows of table with rowids lo..hi, at most *left of
// them, takes what it deleted off *left and returns the first rowid not
// deleted.
func deleteRange(ctx context.Context, tx *sql.Tx, table string, lo, hi int64, left *int64) (int64, error) {
	if lo > hi || *left == 0 {
		return lo, nil
	}
	end := min(hi, lo+*left-1)
	if _, err := tx.ExecContext(ctx, "DELETE FROM "+table+" WHERE rowid BETWEEN ? AND ?", lo, end); err != nil {
		return lo, err
	}
	*left -= end - lo + 1
	return end + 1, nil
}
