package webhook

import (
	"context"
	"database/sql"
	"fmt"
	"sync"

	"github.com/sentrypeer/sentrypeer/internal/sqlitefile"
)

// row is one queued event: its id orders the outbox.
type row struct {
	id   int64
	body []byte
}

// outbox is the queue on disk, one row per event, oldest first. Every
// method is safe for concurrent use: one mutex serialises them, so that
// the row count kept in memory is exact.
type outbox struct {
	db   *sql.DB
	path string
	max  int

	// Statements prepared once: parsing SQL was a fifth of the CPU of
	// delivering one event per POST.
	insert, selectNext, deleteRange *sql.Stmt

	mu sync.Mutex
	n  int // rows in the table
}

func openOutbox(ctx context.Context, path string, maxRows int) (*outbox, error) {
	db, err := sqlitefile.Open(path)
	if err != nil {
		return nil, fmt.Errorf("webhook: opening outbox %q: %w", path, err)
	}
	o := &outbox{db: db, path: path, max: maxRows}
	// AUTOINCREMENT: ids never come back after the newest row is
	// delivered, so that an id always means one event.
	if _, err := db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS outbox (
		id INTEGER PRIMARY KEY AUTOINCREMENT,
		body BLOB NOT NULL)`); err != nil {
		db.Close()
		return nil, fmt.Errorf("webhook: creating outbox %q: %w", path, err)
	}
	if err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM outbox`).Scan(&o.n); err != nil {
		db.Close()
		return nil, fmt.Errorf("webhook: counting outbox %q: %w", path, err)
	}
	for _, p := range []struct {
		stmt **sql.Stmt
		sql  string
	}{
		{&o.insert, `INSERT INTO outbox (body) VALUES (?)`},
		{&o.selectNext, `SELECT id, body FROM outbox WHERE id > ? ORDER BY id LIMIT ?`},
		{&o.deleteRange, `DELETE FROM outbox WHERE id BETWEEN ? AND ?`},
	} {
		var err error
		if *p.stmt, err = db.PrepareContext(ctx, p.sql); err != nil {
			db.Close()
			return nil, fmt.Errorf("webhook: preparing %q: %w", p.sql, err)
		}
	}
	return o, nil
}

// len returns the rows queued.
func (o *outbox) len() int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.n
}

// append adds bodies in one transaction and then deletes the oldest rows
// past the limit, returning how many it deleted.
func (o *outbox) append(ctx context.Context, bodies [][]byte) (dropped int, err error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	tx, err := o.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, fmt.Errorf("webhook: queueing events: %w", err)
	}
	defer tx.Rollback()
	ins := tx.StmtContext(ctx, o.insert)
	for _, b := range bodies {
		if _, err := ins.ExecContext(ctx, b); err != nil {
			return 0, fmt.Errorf("webhook: queueing events: %w", err)
		}
	}
	if excess := o.n + len(bodies) - o.max; excess > 0 {
		res, err := tx.ExecContext(ctx, `DELETE FROM outbox WHERE id IN (SELECT id FROM outbox ORDER BY id LIMIT ?)`, excess)
		if err != nil {
			return 0, fmt.Errorf("webhook: trimming the queue: %w", err)
		}
		n, _ := res.RowsAffected()
		dropped = int(n)
	}
	if err := tx.Commit(); err != nil {
		return 0, fmt.Errorf("webhook: queueing events: %w", err)
	}
	o.n += len(bodies) - dropped
	return dropped, nil
}

// next returns up to limit rows after id after, oldest first.
func (o *outbox) next(ctx context.Context, after int64, limit int) ([]row, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	rs, err := o.selectNext.QueryContext(ctx, after, limit)
	if err != nil {
		return nil, fmt.Errorf("webhook: reading the queue: %w", err)
	}
	defer rs.Close()
	var out []row
	for rs.Next() {
		var r row
		if err := rs.Scan(&r.id, &r.body); err != nil {
			return nil, fmt.Errorf("webhook: reading the queue: %w", err)
		}
		out = append(out, r)
	}
	if err := rs.Err(); err != nil {
		return nil, fmt.Errorf("webhook: reading the queue: %w", err)
	}
	return out, nil
}

// remove deletes the rows from id lo to hi. A batch is every row in its
// range (rows are only ever added after the newest), so this deletes the
// batch exactly, less what the limit already dropped.
func (o *outbox) remove(ctx context.Context, lo, hi int64) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	res, err := o.deleteRange.ExecContext(ctx, lo, hi)
	if err != nil {
		return fmt.Errorf("webhook: deleting delivered events: %w", err)
	}
	n, _ := res.RowsAffected()
	o.n -= int(n)
	return nil
}

func (o *outbox) close() error {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.db == nil {
		return nil
	}
	err := o.db.Close()
	o.db = nil
	if err != nil {
		return fmt.Errorf("webhook: closing outbox %q: %w", o.path, err)
	}
	return nil
}
