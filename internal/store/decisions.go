package store

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/sentrypeer/sentrypeer/internal/decision"
)

var _ decision.Store = (*Store)(nil)

// LoadDecisions returns the stored decisions and unblocked values.
func (s *Store) LoadDecisions(ctx context.Context) ([]decision.Decision, []string, error) {
	rows, err := s.rdb.QueryContext(ctx, "SELECT value, kind, origin, reporters, since, until, reason FROM decisions")
	if err != nil {
		return nil, nil, fmt.Errorf("store: loading decisions: %w", err)
	}
	defer rows.Close()
	var ds []decision.Decision
	for rows.Next() {
		var d decision.Decision
		var kind, origin int
		var since, until int64
		if err := rows.Scan(&d.Value, &kind, &origin, &d.Reporters, &since, &until, &d.Reason); err != nil {
			return nil, nil, fmt.Errorf("store: loading decisions: %w", err)
		}
		v, k, p, err := decision.ParseValue(d.Value)
		if err != nil || int(k) != kind {
			s.logger.Warn("stored decision does not parse; skipped", "value", d.Value)
			continue
		}
		d.Value, d.Kind, d.Prefix, d.Origin = v, k, p, decision.Origin(origin)
		d.Since, d.Until = time.Unix(0, since).UTC(), time.Unix(0, until).UTC()
		ds = append(ds, d)
	}
	if err := rows.Err(); err != nil {
		return nil, nil, fmt.Errorf("store: loading decisions: %w", err)
	}
	var unbl []string
	urows, err := s.rdb.QueryContext(ctx, "SELECT value FROM unblocked")
	if err != nil {
		return nil, nil, fmt.Errorf("store: loading unblocked values: %w", err)
	}
	defer urows.Close()
	for urows.Next() {
		var v string
		if err := urows.Scan(&v); err != nil {
			return nil, nil, fmt.Errorf("store: loading unblocked values: %w", err)
		}
		unbl = append(unbl, v)
	}
	return ds, unbl, urows.Err()
}

// insertDecisions is the upsert of n decisions.
func insertDecisions(n int) string {
	var b strings.Builder
	b.WriteString("INSERT INTO decisions (value, kind, origin, reporters, since, until, reason) VALUES ")
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString("(?, ?, ?, ?, ?, ?, ?)")
	}
	b.WriteString(` ON CONFLICT (value) DO UPDATE SET kind = excluded.kind, origin = excluded.origin,
		reporters = excluded.reporters, since = excluded.since, until = excluded.until, reason = excluded.reason`)
	return b.String()
}

// SaveDecisions writes put, deletes del, and adds unbl to and removes
// lift from the unblocked values, in one transaction.
func (s *Store) SaveDecisions(ctx context.Context, put []decision.Decision, del, unbl, lift []string) error {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	if s.closed {
		return fmt.Errorf("store: saving decisions: %w", ErrClosed)
	}
	tx, err := s.wconn.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: saving decisions: %w", err)
	}
	defer tx.Rollback()
	if err := saveDecisions(ctx, tx, put, del, unbl, lift); err != nil {
		return fmt.Errorf("store: saving decisions: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("store: saving decisions: %w", err)
	}
	return nil
}

// decisionRows is how many decisions one INSERT writes: a statement per
// row made the write of a full set (100,000 at exit) take seconds.
const decisionRows = 128

func saveDecisions(ctx context.Context, tx *sql.Tx, put []decision.Decision, del, unbl, lift []string) error {
	// In key order, each INSERT adds to the B-tree pages the one before
	// it touched, instead of to pages all over it (BenchmarkSaveDecisions).
	put = slices.Clone(put)
	slices.SortFunc(put, func(a, b decision.Decision) int { return strings.Compare(a.Value, b.Value) })
	var full *sql.Stmt // for whole batches, prepared once
	for len(put) > 0 {
		n := min(len(put), decisionRows)
		q := insertDecisions(n)
		var st *sql.Stmt
		var err error
		switch {
		case n == decisionRows && full != nil:
			st = full
		case n == decisionRows:
			if full, err = tx.PrepareContext(ctx, q); err != nil {
				return err
			}
			defer full.Close()
			st = full
		}
		args := make([]any, 0, 7*n)
		for _, d := range put[:n] {
			args = append(args, d.Value, int(d.Kind), int(d.Origin), d.Reporters, d.Since.UnixNano(), d.Until.UnixNano(), d.Reason)
		}
		if st != nil {
			_, err = st.ExecContext(ctx, args...)
		} else {
			_, err = tx.ExecContext(ctx, q, args...)
		}
		if err != nil {
			return err
		}
		put = put[n:]
	}
	now := time.Now().UnixNano()
	for _, q := range []struct {
		sql  string
		vals []string
		args func(v string) []any
	}{
		{"DELETE FROM decisions WHERE value = ?", del, func(v string) []any { return []any{v} }},
		{"INSERT INTO unblocked (value, at) VALUES (?, ?) ON CONFLICT (value) DO NOTHING", unbl, func(v string) []any { return []any{v, now} }},
		{"DELETE FROM unblocked WHERE value = ?", lift, func(v string) []any { return []any{v} }},
	} {
		for _, v := range q.vals {
			if _, err := tx.ExecContext(ctx, q.sql, q.args(v)...); err != nil {
				return err
			}
		}
	}
	return nil
}
