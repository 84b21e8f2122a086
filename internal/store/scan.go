package store

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/sentrypeer/sentrypeer/internal/event"
)

// LastBlock returns the id of the newest block, 0 when there is none.
// Blocks written later have greater ids: with [Store.Scan] it splits what
// is stored now from what is still to come.
func (s *Store) LastBlock(ctx context.Context) (int64, error) {
	var id int64
	if err := s.rdb.QueryRowContext(ctx, "SELECT coalesce(max(id), 0) FROM blocks").Scan(&id); err != nil {
		return 0, fmt.Errorf("store: finding the last block: %w", err)
	}
	return id, nil
}

// Scan reads up to scanChunk blocks, or scanBytes of their data, per read
// transaction: a long scan must not keep the WAL from being checkpointed,
// and a daemon that wrote one small block per flush has hundreds of
// thousands of them (a query per block made loading a million such events
// take 10 s).
const (
	scanChunk = 1024
	scanBytes = 16 << 20
)

// Scan calls fn with every stored event of the blocks up to and including
// block upTo, in the order they were written. Events have no Raw (Scan
// feeds indexes, which never show it), and fn may keep them. Blocks that
// retention deletes while Scan runs may be skipped. It stops at fn's first
// error and returns it.
func (s *Store) Scan(ctx context.Context, upTo int64, fn func(*event.Event) error) error {
	var after int64
	for {
		metas, blobs, err := s.scanBlocks(ctx, after, upTo)
		if err != nil {
			return fmt.Errorf("store: scanning events: %w", err)
		}
		if len(metas) == 0 {
			return nil
		}
		for i, m := range metas {
			blk, err := s.dec.decode(m, blobs[i], s.limits.maxBytes, nil)
			if err != nil {
				return fmt.Errorf("store: scanning events: %w", err)
			}
			var v recordView
			for j := range blk.starts {
				blk.view(j, &v)
				e := blk.eventWithoutRaw(j, &v)
				if err := fn(&e); err != nil {
					s.dec.release(blk)
					return err
				}
			}
			s.dec.release(blk)
			after = m.id
		}
	}
}

func (s *Store) scanBlocks(ctx context.Context, after, upTo int64) ([]blockMeta, [][]byte, error) {
	rows, err := s.rdb.QueryContext(ctx,
		"SELECT id, first_time, last_time, events, format, data FROM blocks WHERE id > ? AND id <= ? ORDER BY id LIMIT ?",
		after, upTo, scanChunk)
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	var metas []blockMeta
	var blobs [][]byte
	size := 0
	for size < scanBytes && rows.Next() {
		var m blockMeta
		var data []byte
		if err := rows.Scan(&m.id, &m.firstTime, &m.lastTime, &m.events, &m.format, &data); err != nil {
			return nil, nil, err
		}
		metas = append(metas, m)
		blobs = append(blobs, data)
		size += len(data)
	}
	if err := rows.Err(); err != nil && err != sql.ErrNoRows {
		return nil, nil, err
	}
	return metas, blobs, nil
}
