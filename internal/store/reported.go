package store

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"time"
)

// Reported is one event an API client posted (POST /api/events), as the
// store keeps it: apart from this node's own probes, one row each.
type Reported struct {
	// Client is the id of the client that posted it.
	Client string
	// UUID is the event's event_uuid; (Client, UUID) is stored once.
	UUID     string
	Reporter [32]byte
	// Time is the event's event_timestamp.
	Time      time.Time
	SourceIP  netip.Addr
	Number    string // normalised, "" for none
	Method    string
	UserAgent string
	// Data is the event's JSON object as posted.
	Data []byte
}

// AddReported stores events in one transaction and returns those that were
// new: an event a client posts again (same client, same event_uuid) is
// stored once, so a retried post changes nothing.
func (s *Store) AddReported(ctx context.Context, evs []Reported) ([]Reported, error) {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	if s.closed {
		return nil, fmt.Errorf("store: adding reported events: %w", ErrClosed)
	}
	tx, err := s.wconn.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("store: adding reported events: %w", err)
	}
	defer tx.Rollback()
	st, err := tx.PrepareContext(ctx, `INSERT INTO reported_events
		(client, event_uuid, reporter, time, received, ip, number, method, user_agent, data)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (client, event_uuid) DO NOTHING`)
	if err != nil {
		return nil, fmt.Errorf("store: adding reported events: %w", err)
	}
	defer st.Close()
	now := time.Now().UnixNano()
	var added []Reported
	for _, e := range evs {
		res, err := st.ExecContext(ctx, e.Client, e.UUID, e.Reporter[:], e.Time.UnixNano(), now,
			e.SourceIP.String(), e.Number, e.Method, e.UserAgent, e.Data)
		if err != nil {
			return nil, fmt.Errorf("store: adding reported events: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 1 {
			added = append(added, e)
		}
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("store: adding reported events: %w", err)
	}
	return added, nil
}

// ScanReported calls fn with every stored reported event (Data left out),
// oldest first, for loading the index at start-up.
func (s *Store) ScanReported(ctx context.Context, fn func(*Reported) error) error {
	rows, err := s.rdb.QueryContext(ctx, `SELECT client, event_uuid, reporter, time, ip, number, method, user_agent
		FROM reported_events ORDER BY time`)
	if err != nil {
		return fmt.Errorf("store: reading reported events: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var (
			r        Reported
			reporter []byte
			t        int64
			ip       string
		)
		if err := rows.Scan(&r.Client, &r.UUID, &reporter, &t, &ip, &r.Number, &r.Method, &r.UserAgent); err != nil {
			return fmt.Errorf("store: reading reported events: %w", err)
		}
		if len(reporter) != len(r.Reporter) {
			return fmt.Errorf("store: reading reported events: %w", errors.New("reporter is not 32 bytes"))
		}
		copy(r.Reporter[:], reporter)
		if r.SourceIP, err = netip.ParseAddr(ip); err != nil {
			return fmt.Errorf("store: reading reported events: %w", err)
		}
		r.Time = unixTime(t)
		if err := fn(&r); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("store: reading reported events: %w", err)
	}
	return nil
}

// pruneReported deletes reported events older than cutoff, in chunks, and
// returns how many.
func (s *Store) pruneReported(ctx context.Context, cutoff int64) (int64, error) {
	var total int64
	for ctx.Err() == nil {
		s.wmu.Lock()
		if s.closed {
			s.wmu.Unlock()
			return total, ErrClosed
		}
		res, err := s.wconn.ExecContext(ctx, `DELETE FROM reported_events WHERE (client, event_uuid) IN
			(SELECT client, event_uuid FROM reported_events WHERE time < ? LIMIT ?)`, cutoff, s.cfg.PruneChunk)
		s.wmu.Unlock()
		if err != nil {
			return total, fmt.Errorf("pruning reported events: %w", err)
		}
		n, _ := res.RowsAffected()
		total += n
		if n < int64(s.cfg.PruneChunk) {
			break
		}
	}
	return total, nil
}
