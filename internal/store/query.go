package store

import (
	"bytes"
	"container/heap"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"net/netip"
	"time"

	"github.com/sentrypeer/sentrypeer/internal/event"
)

// Limits of [Query].Limit.
const (
	DefaultLimit = 100
	MaxLimit     = 10000
)

// Query selects events for [Store.Events] and [Store.Page]. Zero fields
// match everything.
type Query struct {
	// SourceIP matches the source address exactly (an IPv4-mapped IPv6
	// address is not the IPv4 address).
	SourceIP netip.Addr
	// SourcePrefix matches source addresses in the prefix (a CIDR).
	SourcePrefix netip.Prefix
	// CalledNumber matches the normalised called number
	// ([event.Event].CalledNumberNorm).
	CalledNumber string
	// NumberPrefix matches normalised called numbers starting with it.
	NumberPrefix string
	// Method matches the SIP method exactly, e.g. "INVITE".
	Method string
	// UserAgent matches user agents containing it, ignoring ASCII case.
	UserAgent string
	// Transport, when set, matches that transport only.
	Transport event.Transport
	// Since keeps events at or after it.
	Since time.Time
	// Before keeps events strictly older than it; for paging, pass the Time
	// of the last event of the previous page (events sharing that exact
	// nanosecond are then skipped), or use After.
	Before time.Time
	// After, when set, keeps events that come after it in the order
	// results are returned: pass the Next of the previous [Page].
	After Cursor
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

// sourceIP is the single source address q asks for, if any.
func (q Query) sourceIP() netip.Addr {
	if q.SourceIP.IsValid() {
		return q.SourceIP
	}
	if p := q.SourcePrefix; p.IsValid() && p.IsSingleIP() {
		return p.Addr()
	}
	return netip.Addr{}
}

// before is the exclusive upper bound of event times q allows, if any.
func (q Query) before() (int64, bool) {
	var before int64
	ok := false
	if !q.Before.IsZero() {
		before, ok = q.Before.UnixNano(), true
	}
	if c := q.After; c.set && c.time < math.MaxInt64 && (!ok || c.time+1 < before) {
		before, ok = c.time+1, true
	}
	return before, ok
}

// prefixEnd returns the smallest string greater than every string with
// prefix p, or "" if there is none.
func prefixEnd(p string) string {
	b := []byte(p)
	for i := len(b) - 1; i >= 0; i-- {
		if b[i] < 0xff {
			b[i]++
			return string(b[:i+1])
		}
	}
	return ""
}

// blocksSQL builds the query listing the blocks that may hold events of q,
// each with an upper bound of the times of its matching events, in
// decreasing order of that bound. With a source IP (else a called number,
// else a number prefix) the lookup table's (key, last_time, block) index
// gives the key's own newest time in the block; otherwise blocks_last_time
// does. With an upper time bound, a block qualifies only if first_time <
// bound, and then its last_time < bound + maxBlockSpan: that range is where
// the walk starts. With Since, blocks whose matches all predate it are
// left out.
func blocksSQL(q Query) (string, []any) {
	var from, bound, rowBound, group string
	var args []any
	switch {
	case q.sourceIP().IsValid():
		from, bound = "block_source_ips k CROSS JOIN blocks b ON b.id = k.block WHERE k.ip = ?", "k.last_time"
		args = append(args, q.sourceIP().String())
	case q.CalledNumber != "":
		from, bound = "block_called_numbers k CROSS JOIN blocks b ON b.id = k.block WHERE k.number = ?", "k.last_time"
		args = append(args, q.CalledNumber)
	case q.NumberPrefix != "":
		// Several numbers of a block may match: one row per block.
		from, bound, rowBound, group = "block_called_numbers k CROSS JOIN blocks b ON b.id = k.block WHERE k.number >= ?", "max(k.last_time)", "k.last_time", " GROUP BY b.id"
		args = append(args, q.NumberPrefix)
		if end := prefixEnd(q.NumberPrefix); end != "" {
			from += " AND k.number < ?"
			args = append(args, end)
		}
	default:
		from, bound = "blocks b WHERE 1", "b.last_time"
	}
	if rowBound == "" {
		rowBound = bound
	}
	where := ""
	if before, ok := q.before(); ok {
		if seek := before + maxBlockSpan; seek > before {
			where = " AND " + rowBound + " < ? AND b.first_time < ?"
			args = append(args, seek, before)
		} else { // before + maxBlockSpan overflows: no seek
			where = " AND b.first_time < ?"
			args = append(args, before)
		}
	}
	if !q.Since.IsZero() {
		where += " AND " + rowBound + " >= ?"
		args = append(args, q.Since.UnixNano())
	}
	return "SELECT b.id, " + bound + ", b.first_time, b.last_time, b.events, b.format FROM " + from + where + group + " ORDER BY 2 DESC", args
}

// blockRow is one row of blocksSQL.
type blockRow struct {
	meta  blockMeta
	bound int64
}

// Page is one page of events, newest first.
type Page struct {
	Events []event.Event
	// Next is where the next page starts ([Query].After); zero when no
	// event is left. A full page may be followed by an empty one.
	Next Cursor
}

// Events returns the events matching q, newest first (ties in time: the
// later stored first), with every field as it was written (times in UTC).
//
// It walks the blocks that may hold matches in decreasing order of their
// newest match, decompresses each once, and merges their events: an event
// is returned only once no block still unread can hold a newer one, so the
// order is exact even where blocks overlap in time.
func (s *Store) Events(ctx context.Context, q Query) ([]event.Event, error) {
	p, err := s.Page(ctx, q)
	return p.Events, err
}

// Page is [Store.Events] with a cursor to the next page.
func (s *Store) Page(ctx context.Context, q Query) (Page, error) {
	p, err := s.page(ctx, q)
	if err != nil {
		return Page{}, fmt.Errorf("store: reading events: %w", err)
	}
	return p, nil
}

func (s *Store) page(ctx context.Context, q Query) (Page, error) {
	limit := q.limit()
	// One connection: while the listing is open, its read transaction is
	// also the one the block reads see, so no block vanishes in between.
	conn, err := s.rdb.Conn(ctx)
	if err != nil {
		return Page{}, err
	}
	defer conn.Close()
	query, args := blocksSQL(q)
	rows, err := conn.QueryContext(ctx, query, args...)
	if err != nil {
		return Page{}, err
	}
	defer rows.Close()
	data, err := conn.PrepareContext(ctx, "SELECT data FROM blocks WHERE id = ?")
	if err != nil {
		return Page{}, err
	}
	defer data.Close()

	f := newFilter(q)
	var (
		p    Page
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
			if len(p.Events) == limit {
				// There is one more: Next stays at the page's last event.
				return p, nil
			}
			p.Events = append(p.Events, c.blk.event(c.i, &c.v))
			p.Next = Cursor{time: c.v.time, block: c.blk.meta.id, record: int32(c.i), set: true}
			if c.advance() {
				heap.Fix(&h, 0)
			} else {
				heap.Pop(&h)
				s.dec.release(c.blk)
			}
		}
		if !more {
			p.Next = Cursor{}
			return p, nil
		}
		if len(p.Events) == limit {
			// Whether more match is only known by reading on: a client
			// may get one empty page rather than this one waiting.
			return p, nil
		}
		if err = ctx.Err(); err != nil {
			break
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
	return Page{}, err
}

func scanBlockRow(rows *sql.Rows, r *blockRow) (bool, error) {
	if !rows.Next() {
		return false, rows.Err()
	}
	m := &r.meta
	return true, rows.Scan(&m.id, &r.bound, &m.firstTime, &m.lastTime, &m.events, &m.format)
}

// filter is a [Query] in the form the block walk tests. It belongs to one
// query: ua is its scratch space.
type filter struct {
	ip           netip.Addr
	prefix       netip.Prefix
	number       string
	numberPrefix string
	method       string
	userAgent    []byte // lower case
	transport    event.Transport
	before       int64
	beforeActive bool
	since        int64
	sinceActive  bool
	after        Cursor
	lower        []byte
}

func newFilter(q Query) filter {
	f := filter{
		ip: q.SourceIP, number: q.CalledNumber, numberPrefix: q.NumberPrefix, method: q.Method,
		transport: q.Transport, after: q.After,
		before: q.Before.UnixNano(), beforeActive: !q.Before.IsZero(),
		since: q.Since.UnixNano(), sinceActive: !q.Since.IsZero(),
	}
	if q.SourcePrefix.IsValid() {
		f.prefix = q.SourcePrefix.Masked()
	}
	if q.UserAgent != "" {
		f.userAgent = bytes.ToLower([]byte(q.UserAgent))
	}
	return f
}

// match reports whether record i of d, parsed as v, passes f.
func (f *filter) match(d *decodedBlock, i int, v *recordView) bool {
	if (f.beforeActive && v.time >= f.before) || (f.sinceActive && v.time < f.since) ||
		(f.after.set && !f.after.before(v.time, d.meta.id, int32(i))) ||
		(f.ip.IsValid() && v.source.Addr() != f.ip) ||
		(f.prefix.IsValid() && !f.prefix.Contains(v.source.Addr())) ||
		(f.transport != 0 && v.transport != f.transport) ||
		(f.number != "" && string(d.str(v, strCalledNumberNorm)) != f.number) ||
		(f.numberPrefix != "" && !bytes.HasPrefix(d.str(v, strCalledNumberNorm), []byte(f.numberPrefix))) ||
		(f.method != "" && string(d.str(v, strMethod)) != f.method) {
		return false
	}
	if len(f.userAgent) > 0 {
		ua := d.str(v, strUserAgent)
		f.lower = f.lower[:0]
		for _, c := range ua {
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			f.lower = append(f.lower, c)
		}
		return bytes.Contains(f.lower, f.userAgent)
	}
	return true
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
