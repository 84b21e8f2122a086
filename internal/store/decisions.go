package store

import (
	"context"
	"database/sql"
	"fmt"
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

func saveDecisions(ctx context.Context, tx *sql.Tx, put []decision.Decision, del, unbl, lift []string) error {
	if len(put) > 0 {
		st, err := tx.PrepareContext(ctx, `INSERT INTO decisions (value, kind, origin, reporters, since, until, reason)
			VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (value) DO UPDATE SET kind = excluded.kind, origin = excluded.origin,
			reporters = excluded.reporters, since = excluded.since, until = excluded.until, reason = excluded.reason`)
		if err != nil {
			return err
		}
		defer st.Close()
		for _, d := range put {
			if _, err := st.ExecContext(ctx, d.Value, int(d.Kind), int(d.Origin), d.Reporters, d.Since.UnixNano(), d.Until.UnixNano(), d.Reason); err != nil {
				return err
			}
		}
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
