package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"net/netip"
	"time"

	"github.com/sentrypeer/sentrypeer/internal/event"
)

// Shared is a record shared over the peer-to-peer network, ours or a
// peer's, as the store keeps it: the fields queries need, and the signed
// encoding as received, to relay unchanged.
type Shared struct {
	// Seq is the order in which the store added it; set by the store.
	Seq       uint64
	Reporter  [32]byte
	SourceIP  netip.Addr
	Number    string
	Method    string
	UserAgent string
	Transport event.Transport
	First     time.Time
	Last      time.Time
	Count     uint32
	// Via is the peer it came through; "" for the node's own records.
	Via string
	// Received is when it was stored here; set by the store.
	Received time.Time
	Data     []byte
}

const insertSharedSQL = `INSERT INTO shared_records
	(hash, reporter, ip, number, method, user_agent, transport, first_time, last_time, count, received, via, data)
	VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (hash) DO NOTHING`

// AddShared stores records and returns those that were new (a record that
// arrives twice, by gossip and by sync, is stored once), with Seq set. All
// are written in one transaction, on the writer's prepared statement: a
// received record costs one row, not a statement to parse.
func (s *Store) AddShared(ctx context.Context, recs []Shared) ([]Shared, error) {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	if s.closed {
		return nil, fmt.Errorf("store: adding shared records: %w", ErrClosed)
	}
	var added []Shared
	err := s.wconn.Raw(func(dc any) error {
		tx, err := dc.(driver.ConnBeginTx).BeginTx(ctx, driver.TxOptions{})
		if err != nil {
			return err
		}
		added, err = s.insertShared(ctx, recs)
		if err != nil {
			tx.Rollback()
			return err
		}
		return tx.Commit() // the driver rolls back a failed commit
	})
	if err != nil {
		return nil, fmt.Errorf("store: adding shared records: %w", err)
	}
	return added, nil
}

func (s *Store) insertShared(ctx context.Context, recs []Shared) ([]Shared, error) {
	st := s.stmts.shared.(driver.StmtExecContext)
	now := time.Now().UnixNano()
	args := make([]driver.NamedValue, 13)
	for i := range args {
		args[i].Ordinal = i + 1
	}
	var added []Shared
	for _, r := range recs {
		h := sha256.Sum256(r.Data)
		vals := []driver.Value{h[:16], r.Reporter[:], r.SourceIP.String(), r.Number, r.Method, r.UserAgent,
			int64(r.Transport), r.First.UnixNano(), r.Last.UnixNano(), int64(r.Count), now, r.Via, r.Data}
		for i, v := range vals {
			args[i].Value = v
		}
		res, err := st.ExecContext(ctx, args)
		if err != nil {
			return nil, err
		}
		if n, _ := res.RowsAffected(); n == 1 {
			id, _ := res.LastInsertId()
			r.Seq = uint64(id)
			added = append(added, r)
		}
	}
	return added, nil
}

// SharedSince returns up to limit records with Seq after after, in Seq
// order, and the Seq of the last (after itself when there is none).
func (s *Store) SharedSince(ctx context.Context, after uint64, limit int) ([]Shared, uint64, error) {
	rows, err := s.rdb.QueryContext(ctx, `SELECT `+sharedColumns+` FROM shared_records
		WHERE seq > ? ORDER BY seq LIMIT ?`, int64(after), limit)
	if err != nil {
		return nil, after, fmt.Errorf("store: reading shared records: %w", err)
	}
	defer rows.Close()
	var out []Shared
	last := after
	for rows.Next() {
		r, err := scanShared(rows)
		if err != nil {
			return nil, after, fmt.Errorf("store: reading shared records: %w", err)
		}
		out = append(out, r)
		last = r.Seq
	}
	if err := rows.Err(); err != nil {
		return nil, after, fmt.Errorf("store: reading shared records: %w", err)
	}
	return out, last, nil
}

// ScanShared calls fn with every stored shared record, in Seq order, for
// loading indexes at start-up.
func (s *Store) ScanShared(ctx context.Context, fn func(*Shared) error) error {
	var after uint64
	for {
		recs, last, err := s.SharedSince(ctx, after, 4096)
		if err != nil {
			return err
		}
		for i := range recs {
			if err := fn(&recs[i]); err != nil {
				return err
			}
		}
		if len(recs) == 0 {
			return nil
		}
		after = last
	}
}

// PeersReports returns up to limit records that peers reported about ip
// (not this node's own), the most recently seen first.
func (s *Store) PeersReports(ctx context.Context, ip netip.Addr, limit int) ([]Shared, error) {
	rows, err := s.rdb.QueryContext(ctx, `SELECT `+sharedColumns+` FROM shared_records
		WHERE ip = ? AND via <> '' ORDER BY last_time DESC, seq DESC LIMIT ?`, ip.String(), limit)
	if err != nil {
		return nil, fmt.Errorf("store: reading reports: %w", err)
	}
	defer rows.Close()
	var out []Shared
	for rows.Next() {
		r, err := scanShared(rows)
		if err != nil {
			return nil, fmt.Errorf("store: reading reports: %w", err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: reading reports: %w", err)
	}
	return out, nil
}

const sharedColumns = `seq, reporter, ip, number, method, user_agent, transport,
	first_time, last_time, count, via, received, data`

func scanShared(rows *sql.Rows) (Shared, error) {
	var (
		r                              Shared
		seq, tr, first, last, cnt, rcv int64
		reporter                       []byte
		ip                             string
	)
	if err := rows.Scan(&seq, &reporter, &ip, &r.Number, &r.Method, &r.UserAgent, &tr, &first, &last, &cnt, &r.Via, &rcv, &r.Data); err != nil {
		return r, err
	}
	if len(reporter) != len(r.Reporter) {
		return r, fmt.Errorf("shared record %d: reporter of %d bytes", seq, len(reporter))
	}
	a, err := netip.ParseAddr(ip)
	if err != nil {
		return r, fmt.Errorf("shared record %d: %w", seq, err)
	}
	copy(r.Reporter[:], reporter)
	r.Seq, r.SourceIP, r.Transport, r.Count = uint64(seq), a, event.Transport(tr), uint32(cnt)
	r.First, r.Last, r.Received = unixTime(first), unixTime(last), unixTime(rcv)
	return r, nil
}

// pruneShared deletes shared records whose last sighting is older than
// cutoff, in chunks, and returns how many.
func (s *Store) pruneShared(ctx context.Context, cutoff int64) (int64, error) {
	var total int64
	for ctx.Err() == nil {
		s.wmu.Lock()
		res, err := s.wconn.ExecContext(ctx, `DELETE FROM shared_records WHERE seq IN
			(SELECT seq FROM shared_records WHERE last_time < ? LIMIT ?)`, cutoff, s.cfg.PruneChunk)
		s.wmu.Unlock()
		if err != nil {
			return total, fmt.Errorf("pruning shared records: %w", err)
		}
		n, _ := res.RowsAffected()
		total += n
		if n < int64(s.cfg.PruneChunk) {
			break
		}
	}
	s.stats.sharedDeleted.Add(uint64(total))
	return total, nil
}
