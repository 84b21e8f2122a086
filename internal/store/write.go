package store

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/sentrypeer/sentrypeer/internal/event"
)

// writeAttempts is how many times a batch is tried before its events are
// counted as lost.
const writeAttempts = 4

// keyChunk is the number of rows one multi-row INSERT adds to a lookup
// table. Measured with 10,000 new numbers per transaction, CPU per row:
// prepared one-row INSERTs 3.0 µs, 64- or 256-row VALUES 2.1 µs,
// INSERT … SELECT FROM json_each 2.1–2.4 µs (and JSON cannot carry invalid
// UTF-8 without hex-encoding every key).
const keyChunk = 256

const (
	nextIDsSQL = `SELECT
	(SELECT coalesce(max(id), 0) FROM blocks),
	(SELECT coalesce(max(rowid), 0) FROM block_source_ips),
	(SELECT coalesce(max(rowid), 0) FROM block_called_numbers)`
	insertBlockSQL = `INSERT INTO blocks (id, first_time, last_time, events, format,
	ip_first, ip_last, number_first, number_last, data) VALUES (?,?,?,?,?, ?,?,?,?, ?)`
	insertBlockArgs = 10
	keyArgs         = 4 // key, block, events, last_time
)

// insertKeysSQL inserts n rows into a lookup table.
//
// A multi-row INSERT that may abort half way makes SQLite copy every page
// it touches into a statement journal first; with keys spread over the
// index that doubled the cost of a row. OR ROLLBACK (a failed batch is
// retried whole anyway) and rowids left to SQLite (an explicit rowid may
// abort too) avoid the journal. SQLite then gives each row the largest
// rowid plus one, so a block's rows still form one range; insertKeys
// checks that.
func insertKeysSQL(table, column string, n int) string {
	return "INSERT OR ROLLBACK INTO " + table + " (" + column + ", block, events, last_time) VALUES " +
		strings.TrimSuffix(strings.Repeat("(?,?,?,?),", n), ",")
}

// writeStmts are the writer's statements, prepared on the driver connection
// under wconn: batches bypass database/sql's per-call conversions.
type writeStmts struct {
	nextIDs, block   driver.Stmt
	ip1, ipN         driver.Stmt // one row, keyChunk rows
	number1, numberN driver.Stmt
	shared           driver.Stmt
	// The decision set's, in saveDecisions.
	decision1, decisionN             driver.Stmt
	deleteDecision                   driver.Stmt
	insertUnblocked, deleteUnblocked driver.Stmt
}

func (w *writeStmts) all() []*driver.Stmt {
	return []*driver.Stmt{&w.nextIDs, &w.block, &w.ip1, &w.ipN, &w.number1, &w.numberN, &w.shared,
		&w.decision1, &w.decisionN, &w.deleteDecision, &w.insertUnblocked, &w.deleteUnblocked}
}

func (w *writeStmts) close() error {
	var errs []error
	for _, st := range w.all() {
		if *st != nil {
			errs = append(errs, (*st).Close())
			*st = nil
		}
	}
	return errors.Join(errs...)
}

// prepareWriter prepares the writer's statements.
func (s *Store) prepareWriter(ctx context.Context) error {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	return s.wconn.Raw(func(dc any) error {
		p, ok := dc.(driver.ConnPrepareContext)
		if !ok {
			return errors.New("driver connection cannot prepare with a context")
		}
		sqls := []string{
			nextIDsSQL, insertBlockSQL,
			insertKeysSQL("block_source_ips", "ip", 1), insertKeysSQL("block_source_ips", "ip", keyChunk),
			insertKeysSQL("block_called_numbers", "number", 1), insertKeysSQL("block_called_numbers", "number", keyChunk),
			insertSharedSQL,
			insertDecisions(1), insertDecisions(decisionRows), deleteDecisionSQL, insertUnblockedSQL, deleteUnblockedSQL,
		}
		for i, st := range s.stmts.all() {
			var err error
			if *st, err = p.PrepareContext(ctx, sqls[i]); err != nil {
				return fmt.Errorf("preparing %q: %w", sqls[i], err)
			}
			_, exec := (*st).(driver.StmtExecContext)
			_, query := (*st).(driver.StmtQueryContext)
			if !exec || !query {
				return errors.New("driver statement cannot run with a context")
			}
		}
		return nil
	})
}

// writer is the state of one Run: the batch, the block builder and the
// argument buffer, all reused from batch to batch.
type writer struct {
	batch   []*event.Event
	builder *blockBuilder
	args    []driver.NamedValue
}

// Run writes the events it receives in batches until events is closed, then
// writes what it still holds and returns nil. Cancelling ctx is a hard stop:
// Run returns ctx.Err() promptly, after at most finishing the batch being
// written; the events it had gathered but not written are counted as lost,
// and those still queued are left there.
//
// Encoding and compression happen here, in Run's goroutine, never on the
// packet path. Run never returns because of a write error: see the package
// documentation. Nil events are ignored.
func (s *Store) Run(ctx context.Context, events *event.Queue) error {
	w := &writer{
		batch:   make([]*event.Event, 0, min(s.cfg.BatchSize, 1<<16)),
		builder: newBlockBuilder(s.limits),
		args:    make([]driver.NamedValue, keyArgs*keyChunk),
	}
	for i := range w.args {
		w.args[i].Ordinal = i + 1
	}
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	defer timer.Stop()
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		// Wait for the first event of a batch: only it starts the timer.
		done := w.take(events, s.cfg.BatchSize)
		if len(w.batch) == 0 {
			if done {
				return nil
			}
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-events.Ready():
			}
			continue
		}
		timer.Reset(s.cfg.FlushInterval)
		expired := false
	fill:
		for !done && len(w.batch) < s.cfg.BatchSize {
			select {
			case <-events.Ready():
				done = w.take(events, s.cfg.BatchSize-len(w.batch))
			case <-timer.C:
				expired = true
				break fill
			case <-ctx.Done():
				s.stats.eventsLost.Add(uint64(len(w.batch)))
				return ctx.Err()
			}
		}
		if !expired {
			timer.Stop()
		}
		err := s.flush(ctx, w)
		clear(w.batch) // let the events be collected
		w.batch = w.batch[:0]
		w.builder.release()
		if err != nil {
			return err
		}
		if done {
			return nil
		}
	}
}

// flush encodes w.batch and writes it, retrying with backoff. It returns an
// error only when ctx is cancelled during a backoff.
func (s *Store) flush(ctx context.Context, w *writer) error {
	start := time.Now()
	n := len(w.batch)
	if dropped := w.builder.build(w.batch); dropped > 0 {
		s.stats.eventsLost.Add(uint64(dropped))
		s.logger.Error("events lost: too large to store", "events", dropped, "max_bytes", s.limits.maxBytes)
		n -= dropped
	}
	if n == 0 {
		return nil
	}
	backoff := s.retryBackoff
	for attempt := 1; ; attempt++ {
		err := s.writeBlocks(w)
		d := time.Since(start)
		s.stats.writeNanos.Add(int64(d))
		if err == nil {
			s.stats.lastBatchNanos.Store(int64(d))
			s.stats.batches.Add(1)
			s.stats.eventsStored.Add(uint64(n))
			return nil
		}
		if attempt == writeAttempts || errors.Is(err, ErrClosed) {
			s.stats.failedBatches.Add(1)
			s.stats.eventsLost.Add(uint64(n))
			s.logger.Error("events lost: batch write failed", "events", n, "attempts", attempt, "err", err)
			return nil
		}
		s.stats.writeRetries.Add(1)
		s.logger.Warn("batch write failed, retrying", "events", n, "attempt", attempt, "backoff", backoff, "err", err)
		t := time.NewTimer(backoff)
		select {
		case <-ctx.Done():
			t.Stop()
			s.stats.eventsLost.Add(uint64(n))
			return ctx.Err()
		case <-t.C:
		}
		backoff *= 2
		start = time.Now()
	}
}

// add puts e in the batch; nil events are ignored.
// take adds up to limit queued events to the batch, leaving out nil ones,
// and reports whether the queue is closed and empty.
func (w *writer) take(q *event.Queue, limit int) (done bool) {
	n := len(w.batch)
	w.batch, done = q.Take(w.batch, limit)
	kept := w.batch[:n]
	for _, e := range w.batch[n:] {
		if e != nil {
			kept = append(kept, e)
		}
	}
	clear(w.batch[len(kept):])
	w.batch = kept
	return done
}

// clearArgs drops the references to the last batch's strings.
func (w *writer) clearArgs() {
	for i := range w.args {
		w.args[i].Value = nil
	}
}

// writeBlocks inserts the blocks of w.builder in one transaction. It
// deliberately ignores the caller's context: a cancelled context would make
// the driver interrupt the statement and roll the whole batch back, and
// with a context that can be cancelled the driver also starts a goroutine
// per statement.
func (s *Store) writeBlocks(w *writer) error {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	if s.closed {
		return ErrClosed
	}
	defer w.clearArgs()
	return s.wconn.Raw(func(dc any) error {
		ctx := context.Background()
		tx, err := dc.(driver.ConnBeginTx).BeginTx(ctx, driver.TxOptions{})
		if err != nil {
			return fmt.Errorf("beginning batch: %w", err)
		}
		if err := s.insertBlocks(ctx, w); err != nil {
			tx.Rollback()
			return err
		}
		if err := tx.Commit(); err != nil {
			// The driver rolls back a failed commit.
			return fmt.Errorf("committing batch: %w", err)
		}
		return nil
	})
}

// insertBlocks runs the INSERTs of one batch inside the open transaction.
// Ids and rowids are assigned here, one past the largest in use, so each
// block can name the rowid ranges of its lookup rows.
func (s *Store) insertBlocks(ctx context.Context, w *writer) error {
	var ids [3]int64
	if err := queryInts(ctx, s.stmts.nextIDs, ids[:]); err != nil {
		return fmt.Errorf("reading next ids: %w", err)
	}
	blockID, ipRow, numRow := ids[0], ids[1], ids[2]
	b := w.builder
	for _, blk := range b.blocks {
		blockID++
		ipFirst, numFirst := ipRow+1, numRow+1
		var err error
		ipRow, err = insertKeys(ctx, s.stmts.ip1, s.stmts.ipN, w.args, b.ipRows[blk.ips[0]:blk.ips[1]], blockID, ipRow)
		if err != nil {
			return fmt.Errorf("inserting source IPs: %w", err)
		}
		numRow, err = insertKeys(ctx, s.stmts.number1, s.stmts.numberN, w.args, b.numRows[blk.numbers[0]:blk.numbers[1]], blockID, numRow)
		if err != nil {
			return fmt.Errorf("inserting called numbers: %w", err)
		}
		a := w.args[:insertBlockArgs]
		a[0].Value, a[1].Value, a[2].Value, a[3].Value, a[4].Value = blockID, blk.first, blk.last, blk.events, int64(formatV1)
		a[5].Value, a[6].Value, a[7].Value, a[8].Value = ipFirst, ipRow, numFirst, numRow
		a[9].Value = b.comp[blk.data[0]:blk.data[1]]
		if _, err := s.stmts.block.(driver.StmtExecContext).ExecContext(ctx, a); err != nil {
			return fmt.Errorf("inserting block: %w", err)
		}
	}
	return nil
}

// insertKeys inserts rows for block, keyChunk rows per statement and then
// one by one, into a table whose largest rowid is last, and returns the
// largest rowid after. The rows must get rowids last+1, last+2, …
func insertKeys(ctx context.Context, one, chunk driver.Stmt, args []driver.NamedValue, rows []keyRow, block, last int64) (int64, error) {
	for len(rows) > 0 {
		st, n := one, 1
		if len(rows) >= keyChunk {
			st, n = chunk, keyChunk
		}
		a := args[:keyArgs*n]
		for i, r := range rows[:n] {
			v := a[i*keyArgs:]
			v[0].Value, v[1].Value, v[2].Value, v[3].Value = r.key, block, r.events, r.last
		}
		res, err := st.(driver.StmtExecContext).ExecContext(ctx, a)
		if err != nil {
			return last, err
		}
		id, err := res.LastInsertId()
		if err != nil {
			return last, err
		}
		if id != last+int64(n) {
			return last, fmt.Errorf("rows got rowids up to %d, want %d", id, last+int64(n))
		}
		last = id
		rows = rows[n:]
	}
	return last, nil
}

// queryInts runs st, which returns one row of len(dst) integers, into dst.
func queryInts(ctx context.Context, st driver.Stmt, dst []int64) error {
	rows, err := st.(driver.StmtQueryContext).QueryContext(ctx, nil)
	if err != nil {
		return err
	}
	defer rows.Close()
	vals := make([]driver.Value, len(dst))
	if err := rows.Next(vals); err != nil {
		return err
	}
	for i, v := range vals {
		n, ok := v.(int64)
		if !ok {
			return fmt.Errorf("column %d is %T, not an integer", i, v)
		}
		dst[i] = n
	}
	return nil
}
