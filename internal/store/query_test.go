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
			_, args := eventsSQL(Query{Limit: tt.limit})
			if got := args[len(args)-1]; got != tt.want {
				t.Errorf("Limit %d: SQL limit %v, want %d", tt.limit, got, tt.want)
			}
		}
	})
}

// TestEventsPlan checks that every query shape the API uses is answered by
// an index in time order, without a sort or a full scan.
func TestEventsPlan(t *testing.T) {
	s := openTest(t, "", Config{})
	ip := netip.MustParseAddr("198.51.100.1")
	before := time.Now()
	tests := []struct {
		name  string
		q     Query
		index string
	}{
		{name: "all", q: Query{}, index: "events_time"},
		{name: "before", q: Query{Before: before}, index: "events_time"},
		{name: "method", q: Query{Method: "INVITE"}, index: "events_time"},
		{name: "source", q: Query{SourceIP: ip}, index: "events_source_ip_time"},
		{name: "source before", q: Query{SourceIP: ip, Before: before}, index: "events_source_ip_time"},
		{name: "number", q: Query{CalledNumber: "100"}, index: "events_called_number_norm_time"},
		{name: "number before method", q: Query{CalledNumber: "100", Before: before, Method: "INVITE"}, index: "events_called_number_norm_time"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			query, args := eventsSQL(tt.q)
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
			p := strings.Join(plan, "; ") + " "
			if !strings.Contains(p, "INDEX "+tt.index+" ") || strings.Contains(p, "TEMP B-TREE") {
				t.Errorf("plan %q, want %s and no sort", p, tt.index)
			}
		})
	}
	t.Run("retention", func(t *testing.T) {
		var plan []string
		rows, err := s.rdb.QueryContext(t.Context(), "EXPLAIN QUERY PLAN "+pruneSQL, 0, 10)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		for rows.Next() {
			var id, parent, notused int
			var detail string
			if err := rows.Scan(&id, &parent, &notused, &detail); err != nil {
				t.Fatal(err)
			}
			plan = append(plan, detail)
		}
		p := strings.Join(plan, "; ") + " "
		if !strings.Contains(p, "INDEX events_time ") || strings.Contains(p, "TEMP B-TREE") {
			t.Errorf("plan %q, want events_time and no sort", p)
		}
	})
}
