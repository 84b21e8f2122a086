package store

import (
	"context"
	"fmt"
	"net/netip"
	"strings"
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

const selectColumns = `time, event_id, node_id, collected, transport,
	source_ip, source_port, destination_ip, destination_port,
	method, request_uri, called_number, called_number_norm,
	from_header, to_header, call_id, cseq, user_agent, contact, via,
	raw, raw_truncated, parse_error`

// eventsSQL builds the query for q and its arguments. With a source IP or a
// called number the matching (key, time) index gives the newest rows first
// without a sort; otherwise the time index does.
func eventsSQL(q Query) (string, []any) {
	var where []string
	var args []any
	if q.SourceIP.IsValid() {
		where = append(where, "source_ip = ?")
		args = append(args, q.SourceIP.String())
	}
	if q.CalledNumber != "" {
		where = append(where, "called_number_norm = ?")
		args = append(args, q.CalledNumber)
	}
	if q.Method != "" {
		where = append(where, "method = ?")
		args = append(args, q.Method)
	}
	if !q.Before.IsZero() {
		where = append(where, "time < ?")
		args = append(args, q.Before.UnixNano())
	}
	limit := q.Limit
	switch {
	case limit <= 0:
		limit = DefaultLimit
	case limit > MaxLimit:
		limit = MaxLimit
	}
	var b strings.Builder
	b.WriteString("SELECT " + selectColumns + " FROM events")
	if len(where) > 0 {
		b.WriteString(" WHERE " + strings.Join(where, " AND "))
	}
	b.WriteString(" ORDER BY time DESC, id DESC LIMIT ?")
	args = append(args, limit)
	return b.String(), args
}

// Events returns the events matching q, newest first, with every field as
// it was written (times in UTC).
func (s *Store) Events(ctx context.Context, q Query) ([]event.Event, error) {
	query, args := eventsSQL(q)
	rows, err := s.rdb.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("store: querying events: %w", err)
	}
	defer rows.Close()
	var out []event.Event
	for rows.Next() {
		var (
			e                 event.Event
			t                 int64
			id, node, raw     []byte
			collected, transp int64
			srcIP, dstIP      string
			srcPort, dstPort  int64
		)
		err := rows.Scan(&t, &id, &node, &collected, &transp,
			&srcIP, &srcPort, &dstIP, &dstPort,
			&e.Method, &e.RequestURI, &e.CalledNumber, &e.CalledNumberNorm,
			&e.From, &e.To, &e.CallID, &e.CSeq, &e.UserAgent, &e.Contact, &e.Via,
			&raw, &e.RawTruncated, &e.ParseError)
		if err != nil {
			return nil, fmt.Errorf("store: reading event: %w", err)
		}
		e.Time = time.Unix(0, t).UTC()
		if len(id) != len(e.ID) || len(node) != len(e.NodeID) {
			return nil, fmt.Errorf("store: reading event: malformed UUID column")
		}
		copy(e.ID[:], id)
		copy(e.NodeID[:], node)
		e.Collected = event.Collected(collected)
		e.Transport = event.Transport(transp)
		if e.Source, err = addrPort(srcIP, srcPort); err != nil {
			return nil, fmt.Errorf("store: reading event source: %w", err)
		}
		if e.Destination, err = addrPort(dstIP, dstPort); err != nil {
			return nil, fmt.Errorf("store: reading event destination: %w", err)
		}
		e.Raw = string(raw)
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: querying events: %w", err)
	}
	return out, nil
}

// addrPort is the inverse of addrText and the port column.
func addrPort(ip string, port int64) (netip.AddrPort, error) {
	var a netip.Addr
	if ip != "" {
		var err error
		if a, err = netip.ParseAddr(ip); err != nil {
			return netip.AddrPort{}, err
		}
	}
	if port < 0 || port > 65535 {
		return netip.AddrPort{}, fmt.Errorf("port %d out of range", port)
	}
	return netip.AddrPortFrom(a, uint16(port)), nil
}

// Count returns the number of stored events.
func (s *Store) Count(ctx context.Context) (int64, error) {
	var n int64
	if err := s.rdb.QueryRowContext(ctx, "SELECT count(*) FROM events").Scan(&n); err != nil {
		return 0, fmt.Errorf("store: counting events: %w", err)
	}
	return n, nil
}
