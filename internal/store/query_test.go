package store

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/sentrypeer/sentrypeer/internal/event"
)

func TestEvents(t *testing.T) {
	s := openTest(t, "", Config{})
	base := time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC)
	ipA := netip.MustParseAddrPort("198.51.100.1:5060")
	ipB := netip.MustParseAddrPort("[2001:db8::b]:5060")
	mapped := netip.MustParseAddrPort("[::ffff:198.51.100.1]:5060")
	var evs []*event.Event
	add := func(src netip.AddrPort, number, method string) {
		e := probe(base.Add(time.Duration(len(evs))*time.Second), src, number)
		e.Method = method
		e.CallID = fmt.Sprint(len(evs)) // names the event in the table below
		evs = append(evs, e)
	}
	add(ipA, "100", "OPTIONS")    // 0
	add(ipB, "100", "OPTIONS")    // 1
	add(ipA, "0044123", "INVITE") // 2
	add(ipB, "0044123", "INVITE") // 3
	add(ipA, "100", "REGISTER")   // 4
	add(mapped, "100", "OPTIONS") // 5
	add(ipB, "0044123", "INVITE") // 6
	write(t, s, evs...)

	tests := []struct {
		name string
		q    Query
		want []string // CallIDs, newest first
	}{
		{name: "all", q: Query{}, want: []string{"6", "5", "4", "3", "2", "1", "0"}},
		{name: "limit", q: Query{Limit: 2}, want: []string{"6", "5"}},
		{name: "source ipv4", q: Query{SourceIP: ipA.Addr()}, want: []string{"4", "2", "0"}},
		{name: "source ipv6", q: Query{SourceIP: ipB.Addr()}, want: []string{"6", "3", "1"}},
		{name: "source mapped", q: Query{SourceIP: mapped.Addr()}, want: []string{"5"}},
		{name: "number", q: Query{CalledNumber: "0044123"}, want: []string{"6", "3", "2"}},
		{name: "number and source", q: Query{CalledNumber: "100", SourceIP: ipA.Addr()}, want: []string{"4", "0"}},
		{name: "method", q: Query{Method: "INVITE"}, want: []string{"6", "3", "2"}},
		{name: "before", q: Query{Before: evs[3].Time}, want: []string{"2", "1", "0"}},
		{name: "before with source and limit", q: Query{SourceIP: ipB.Addr(), Before: evs[6].Time, Limit: 1}, want: []string{"3"}},
		{name: "no match", q: Query{CalledNumber: "999"}, want: nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := s.Events(t.Context(), tt.q)
			if err != nil {
				t.Fatal(err)
			}
			var ids []string
			for _, e := range got {
				ids = append(ids, e.CallID)
			}
			if !slices.Equal(ids, tt.want) {
				t.Errorf("Events(%+v) = %v, want %v", tt.q, ids, tt.want)
			}
		})
	}

	t.Run("limit is capped", func(t *testing.T) {
		for _, tt := range []struct{ limit, want int }{{0, DefaultLimit}, {-5, DefaultLimit}, {MaxLimit + 1, MaxLimit}, {7, 7}} {
			if got := (Query{Limit: tt.limit}).limit(); got != tt.want {
				t.Errorf("Limit %d: limit %d, want %d", tt.limit, got, tt.want)
			}
		}
	})
}

// TestEventsPlan checks that every query shape the API uses walks an index
// in the order the merge needs, without a sort or a full scan.
func TestEventsPlan(t *testing.T) {
	s := openTest(t, "", Config{})
	ip := netip.MustParseAddr("198.51.100.1")
	before := time.Now()
	tests := []struct {
		name  string
		query string
		args  []any
		index string
	}{
		{name: "all", index: "blocks_last_time"},
		{name: "before", index: "blocks_last_time"},
		{name: "method", index: "blocks_last_time"},
		{name: "source", index: "block_source_ips_ip"},
		{name: "source before", index: "block_source_ips_ip"},
		{name: "number", index: "block_called_numbers_number"},
		{name: "number before method", index: "block_called_numbers_number"},
		{name: "retention", query: expiredSQL, args: []any{0, 10}, index: "blocks_last_time"},
		{name: "count", query: "SELECT coalesce(sum(events), 0) FROM blocks", index: "blocks_last_time"},
	}
	queries := map[string]Query{
		"all":                  {},
		"before":               {Before: before},
		"method":               {Method: "INVITE"},
		"source":               {SourceIP: ip},
		"source before":        {SourceIP: ip, Before: before},
		"number":               {CalledNumber: "100"},
		"number before method": {CalledNumber: "100", Before: before, Method: "INVITE"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if q, ok := queries[tt.name]; ok {
				tt.query, tt.args = blocksSQL(q)
			}
			plan := queryPlan(t, s, tt.query, tt.args...)
			p := strings.Join(plan, "; ") + " "
			if !strings.Contains(p, "INDEX "+tt.index+" ") || strings.Contains(p, "TEMP B-TREE") {
				t.Errorf("plan %q, want %s and no sort", p, tt.index)
			}
			for _, step := range plan {
				if strings.HasPrefix(step, "SCAN") && !strings.Contains(step, " INDEX ") {
					t.Errorf("plan %q scans a table", p)
				}
			}
		})
	}
}

// queryPlan returns the steps of SQLite's plan for query.
func queryPlan(t *testing.T, s *Store, query string, args ...any) []string {
	t.Helper()
	rows, err := s.rdb.QueryContext(t.Context(), "EXPLAIN QUERY PLAN "+query, args...)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var plan []string
	for rows.Next() {
		var id, parent, notused int
		var detail string
		if err := rows.Scan(&id, &parent, &notused, &detail); err != nil {
			t.Fatal(err)
		}
		plan = append(plan, detail)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return plan
}

// TestEventsMerge stores batches whose blocks overlap in time, as
// concurrent listeners can make them, and checks that every query still
// returns exact newest-first order and that paging with Before visits
// every event once.
func TestEventsMerge(t *testing.T) {
	s := openTest(t, "", Config{})
	base := time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC)
	a := netip.MustParseAddrPort("198.51.100.1:5060")
	b := netip.MustParseAddrPort("198.51.100.2:5060")
	ev := func(sec int, src netip.AddrPort, name string) *event.Event {
		e := probe(base.Add(time.Duration(sec)*time.Second), src, "100")
		e.CallID = name
		return e
	}
	// One Run per batch, so one block each; times interleave across blocks,
	// and "2b" shares its nanosecond with "2a", stored earlier.
	write(t, s, ev(0, a, "0"), ev(4, b, "4"), ev(2, a, "2a"))
	write(t, s, ev(1, b, "1"), ev(5, a, "5"), ev(3, a, "3"))
	write(t, s, ev(6, b, "6"), ev(2, b, "2b"))
	write(t, s, ev(-3600, a, "old"))

	ids := func(evs []event.Event) []string {
		var out []string
		for _, e := range evs {
			out = append(out, e.CallID)
		}
		return out
	}
	tests := []struct {
		name string
		q    Query
		want []string
	}{
		{name: "all", q: Query{}, want: []string{"6", "5", "4", "3", "2b", "2a", "1", "0", "old"}},
		{name: "source", q: Query{SourceIP: a.Addr()}, want: []string{"5", "3", "2a", "0", "old"}},
		{name: "other source", q: Query{SourceIP: b.Addr()}, want: []string{"6", "4", "2b", "1"}},
		{name: "number", q: Query{CalledNumber: "100"}, want: []string{"6", "5", "4", "3", "2b", "2a", "1", "0", "old"}},
		{name: "before", q: Query{Before: base.Add(4 * time.Second)}, want: []string{"3", "2b", "2a", "1", "0", "old"}},
		{name: "source before", q: Query{SourceIP: a.Addr(), Before: base.Add(3 * time.Second)}, want: []string{"2a", "0", "old"}},
		{name: "before, far back", q: Query{Before: base.Add(-time.Minute)}, want: []string{"old"}},
		{name: "before everything", q: Query{Before: base.Add(-2 * time.Hour)}, want: nil},
		{name: "limit inside a tie", q: Query{Limit: 5}, want: []string{"6", "5", "4", "3", "2b"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := s.Events(t.Context(), tt.q)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(ids(got), tt.want) {
				t.Errorf("Events(%+v) = %v, want %v", tt.q, ids(got), tt.want)
			}
		})
	}

	t.Run("paging", func(t *testing.T) {
		for _, limit := range []int{1, 2, 3} {
			var got []string
			q := Query{Limit: limit}
			for range 20 {
				page, err := s.Events(t.Context(), q)
				if err != nil {
					t.Fatal(err)
				}
				if len(page) == 0 {
					break
				}
				got = append(got, ids(page)...)
				q.Before = page[len(page)-1].Time
			}
			// Paging by time skips what shares the nanosecond that ends a
			// page: with limit 1, 2a (after 2b); with 2 and 3 nothing.
			want := []string{"6", "5", "4", "3", "2b", "2a", "1", "0", "old"}
			if limit == 1 {
				want = slices.DeleteFunc(want, func(s string) bool { return s == "2a" })
			}
			if !slices.Equal(got, want) {
				t.Errorf("limit %d: pages gave %v, want %v", limit, got, want)
			}
		}
	})
}

func TestEventsCorruptBlock(t *testing.T) {
	s := openTest(t, "", Config{})
	write(t, s, probe(time.Now(), src, "100"))
	write(t, s, probe(time.Now(), src, "100"))
	if _, err := s.wconn.ExecContext(t.Context(), "UPDATE blocks SET data = x'0a00ff' WHERE id = 1"); err != nil {
		t.Fatal(err)
	}
	// The newest block alone still reads.
	if got, err := s.Events(t.Context(), Query{Limit: 1}); err != nil || len(got) != 1 {
		t.Errorf("Events(Limit 1) = %d events, %v; want the good block's event", len(got), err)
	}
	for _, q := range []Query{{}, {SourceIP: src.Addr()}, {CalledNumber: "100"}} {
		got, err := s.Events(t.Context(), q)
		if err == nil || !strings.Contains(err.Error(), "block 1: corrupt block") {
			t.Errorf("Events(%+v) = %d events, %v; want an error naming block 1", q, len(got), err)
		}
	}
	if n := count(t, s); n != 2 {
		t.Errorf("Count = %d, want 2", n)
	}
}
