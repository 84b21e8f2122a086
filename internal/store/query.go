package store

import (
	"container/heap"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/netip"
	"time"

	"github.com/sentrypeer/sentrypeer/internal/event"
)

// Limits of [Query].Limit.
const (
	DefaultLimit = 100
	MaxLimit     = 10000
)

// Query selects events for [Store.Events]. Zero fields match everything.
type Query struct {
	// SourceIP matches the source address exactly (an IPv4-mapped IPv6
	// address is not the IPv4 address).
	SourceIP netip.Addr
	// CalledNumber matches the normalised called number
	// ([event.Event].CalledNumberNorm).
	CalledNumber string
	// Method matches the SIP method exactly, e.g. "INVITE".
	Method string
	// Before keeps events strictly older than it; for paging, pass the Time
	// of the last event of the previous page (events sharing that exact
	// nanosecond are then skipped).
	Before time.Time
	// Limit caps the number of events: 0 means [DefaultLimit]; values above
	// [MaxLimit] are cut to it.
	Limit int
}

func (q Query) limit() int {
	switch {
	case q.Limit <= 0:
		return DefaultLimit
	case q.Limit > MaxLimit:
		return MaxLimit
	}
	return q.Limit
}

// blocksSQL builds the query listing the blocks that may hold events of q,
// each with an upper bound of the times of its matching events, in
// decreasing order of that bound. With a source IP (else a called number)
// the lookup table's (key, last_time, block) index gives that order and the
// key's own newest time in the block; otherwise blocks_last_time does. With
// Before, a block qualifies only if first_time < Before, and then its
// last_time < Before + maxBlockSpan: that range is where the walk starts.
func blocksSQL(q Query) (string, []any) {
	var from, bound string
	var args []any
	switch {
	case q.SourceIP.IsValid():
		from, bound = "block_source_ips k CROSS JOIN blocks b ON b.id = k.block WHERE k.ip = ?", "k.last_time"
		args = append(args, q.SourceIP.String())
	case q.CalledNumber != "":
		from, bound = "block_called_numbers k CROSS JOIN blocks b ON b.id = k.block WHERE k.number = ?", "k.last_time"
		args = append(args, q.CalledNumber)
	default:
		from, bound = "blocks b WHERE 1", "b.last_time"
	}
	where := ""
	if !q.Before.IsZero() {
		before := q.Before.UnixNano()
		if seek := before + maxBlockSpan; seek > before {
			where = " AND " + bound + " < ? AND b.first_time < ?"
			args = append(args, seek, before)
		} else { // Before + maxBlockSpan overflows: no seek
			where = " AND b.first_time < ?"
			args = append(args, before)
		}
	}
	return "SELECT b.id, " + bound + ", b.first_time, b.last_time, b.events, b.format FROM " + from + where + " ORDER BY " + bound + " DESC", args
}

// blockRow is one row of blocksSQL.
type blockRow struct {
	meta  blockMeta
	bound int64
}

// Events returns the events matching q, newest first (ties in time: the
// later stored first), with every field as it was written (times in UTC).
//
// It walks the blocks that may hold matches in decreasing order of their
// newest match, decompresses each once, and merges their events: an event
// is returned only once no block still unread can hold a newer one, so the
// order is exact even where blocks overlap in time.
func (s *Store) Events(ctx context.Context, q Query) ([]event.Event, error) {
	out, err := s.events(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("store: reading events: %w", err)
	}
	return out, nil
}

func (s *Store) events(ctx context.Context, q Query) ([]event.Event, error) {
	limit := q.limit()
	// One connection: while the listing is open, its read transaction is
	// also the one the block reads see, so no block vanishes in between.
	conn, err := s.rdb.Conn(ctx)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	query, args := blocksSQL(q)
	rows, err := conn.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	data, err := conn.PrepareContext(ctx, "SELECT data FROM blocks WHERE id = ?")
	if err != nil {
		return nil, err
	}
	defer data.Close()

	f := newFilter(q)
	var (
		out  []event.Event
		h    cursorHeap
		next blockRow
		blob []byte
	)
	defer func() {
		for _, c := range h {
			s.dec.release(c.blk)
		}
	}()
	more, err := scanBlockRow(rows, &next)
	for err == nil {
		// Every block still unread holds matches no newer than next.bound.
		for len(h) > 0 && (!more || h[0].v.time > next.bound) {
			c := h[0]
			out = append(out, c.blk.event(c.i, &c.v))
			if len(out) == limit {
				return out, nil
			}
			if c.advance() {
				heap.Fix(&h, 0)
			} else {
				heap.Pop(&h)
				s.dec.release(c.blk)
			}
		}
		if !more {
			return out, nil
		}
		if err = data.QueryRowContext(ctx, next.meta.id).Scan(&blob); err != nil {
			if errors.Is(err, sql.ErrNoRows) {
				err = fmt.Errorf("block %d: no data", next.meta.id)
			}
			break
		}
		var blk *decodedBlock
		if blk, err = s.dec.decode(next.meta, blob, s.limits.maxBytes, &f); err != nil {
			break
		}
		c := &cursor{blk: blk, m: len(blk.matches)}
		if c.advance() {
			heap.Push(&h, c)
		} else {
			s.dec.release(blk)
		}
		more, err = scanBlockRow(rows, &next)
	}
	return nil, err
}

func scanBlockRow(rows *sql.Rows, r *blockRow) (bool, error) {
	if !rows.Next() {
		return false, rows.Err()
	}
	m := &r.meta
	return true, rows.Scan(&m.id, &r.bound, &m.firstTime, &m.lastTime, &m.events, &m.format)
}

// filter is a [Query] in the form the block walk tests.
type filter struct {
	ip           netip.Addr
	number       string
	method       string
	before       int64
	beforeActive bool
}

func newFilter(q Query) filter {
	return filter{ip: q.SourceIP, number: q.CalledNumber, method: q.Method, before: q.Before.UnixNano(), beforeActive: !q.Before.IsZero()}
}

// match reports whether the record v of d passes f.
func (f *filter) match(d *decodedBlock, v *recordView) bool {
	return (!f.beforeActive || v.time < f.before) &&
		(!f.ip.IsValid() || v.source.Addr() == f.ip) &&
		(f.number == "" || string(d.str(v, strCalledNumberNorm)) == f.number) &&
		(f.method == "" || string(d.str(v, strMethod)) == f.method)
}

// cursor walks one decoded block's matching events, newest first.
type cursor struct {
	blk *decodedBlock
	m   int        // index in blk.matches of the current event
	i   int        // the current event's record
	v   recordView // its parsed record
}

// advance moves c to the next older matching event and reports whether
// there is one.
func (c *cursor) advance() bool {
	if c.m--; c.m < 0 {
		return false
	}
	c.i = int(c.blk.matches[c.m])
	c.blk.view(c.i, &c.v)
	return true
}

// cursorHeap orders cursors by their current event, newest first; equal
// times go by storage order, later first.
type cursorHeap []*cursor

func (h cursorHeap) Len() int { return len(h) }
func (h cursorHeap) Less(i, j int) bool {
	a, b := h[i], h[j]
	if a.v.time != b.v.time {
		return a.v.time > b.v.time
	}
	if a.blk.meta.id != b.blk.meta.id {
		return a.blk.meta.id > b.blk.meta.id
	}
	return a.i > b.i
}
func (h cursorHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *cursorHeap) Push(x any)   { *h = append(*h, x.(*cursor)) }
func (h *cursorHeap) Pop() any {
	old := *h
	c := old[len(old)-1]
	old[len(old)-1] = nil
	*h = old[:len(old)-1]
	return c
}

// Count returns the number of stored events.
func (s *Store) Count(ctx context.Context) (int64, error) {
	var n int64
	if err := s.rdb.QueryRowContext(ctx, "SELECT coalesce(sum(events), 0) FROM blocks").Scan(&n); err != nil {
		return 0, fmt.Errorf("store: counting events: %w", err)
	}
	return n, nil
}
