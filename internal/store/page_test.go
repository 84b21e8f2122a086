package store

import (
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/sentrypeer/sentrypeer/internal/event"
)

// TestPageFilters covers the filters the API adds to those of TestEvents.
func TestPageFilters(t *testing.T) {
	s := openTest(t, "", Config{})
	base := time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC)
	var evs []*event.Event
	add := func(src, number, ua string, tr event.Transport) {
		e := probe(base.Add(time.Duration(len(evs))*time.Second), netip.MustParseAddrPort(src), number)
		e.UserAgent, e.Transport = ua, tr
		e.CallID = string(rune('a' + len(evs)))
		evs = append(evs, e)
	}
	add("198.51.100.1:5060", "00441234", "friendly-scanner", event.UDP) // a
	add("198.51.100.200:5060", "00449999", "SIPVicious", event.TCP)     // b
	add("203.0.113.9:5060", "0033111", "Friendly-Scanner 2", event.UDP) // c
	add("[2001:db8::1]:5060", "0044", "sipcli", event.TLS)              // d
	add("198.51.100.7:5060", "00441234", "", event.UDP)                 // e
	write(t, s, evs[:3]...)
	write(t, s, evs[3:]...)

	tests := []struct {
		name string
		q    Query
		want string // CallIDs, newest first
	}{
		{name: "cidr v4", q: Query{SourcePrefix: netip.MustParsePrefix("198.51.100.0/24")}, want: "eba"},
		{name: "cidr narrow", q: Query{SourcePrefix: netip.MustParsePrefix("198.51.100.128/25")}, want: "b"},
		{name: "cidr single address uses the lookup", q: Query{SourcePrefix: netip.MustParsePrefix("203.0.113.9/32")}, want: "c"},
		{name: "cidr v6", q: Query{SourcePrefix: netip.MustParsePrefix("2001:db8::/32")}, want: "d"},
		{name: "number prefix", q: Query{NumberPrefix: "0044"}, want: "edba"},
		{name: "number prefix longer", q: Query{NumberPrefix: "004412"}, want: "ea"},
		{name: "number prefix none", q: Query{NumberPrefix: "001"}, want: ""},
		{name: "user agent ignores case", q: Query{UserAgent: "FRIENDLY"}, want: "ca"},
		{name: "transport", q: Query{Transport: event.UDP}, want: "eca"},
		{name: "since", q: Query{Since: evs[3].Time}, want: "ed"},
		{name: "since and number prefix", q: Query{Since: evs[1].Time, NumberPrefix: "0044"}, want: "edb"},
		{name: "combined", q: Query{SourcePrefix: netip.MustParsePrefix("198.51.100.0/24"), Transport: event.UDP, NumberPrefix: "0044"}, want: "ea"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := s.Page(t.Context(), tt.q)
			if err != nil {
				t.Fatal(err)
			}
			var got strings.Builder
			for _, e := range p.Events {
				got.WriteString(e.CallID)
			}
			if got.String() != tt.want {
				t.Errorf("Page(%+v) = %q, want %q", tt.q, got.String(), tt.want)
			}
			if !p.Next.IsZero() {
				t.Errorf("Next = %v on a page that holds every match", p.Next)
			}
		})
	}
}

// TestPageCursor pages with cursors through events that share their
// nanoseconds across blocks: nothing may repeat or go missing.
func TestPageCursor(t *testing.T) {
	s := openTest(t, "", Config{})
	base := time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC)
	src := netip.MustParseAddrPort("198.51.100.1:5060")
	var all []string
	for batch := range 4 {
		var evs []*event.Event
		for i := range 5 {
			e := probe(base.Add(time.Duration(i%2)*time.Second), src, "100")
			e.CallID = string(rune('a'+batch)) + string(rune('0'+i))
			evs = append(evs, e)
			all = append(all, e.CallID)
		}
		write(t, s, evs...)
	}
	for _, q := range []Query{{}, {SourceIP: src.Addr()}, {NumberPrefix: "1"}} {
		for _, limit := range []int{1, 3, 7, 20, 25} {
			q.Limit, q.After = limit, Cursor{}
			var got []string
			pages := 0
			for ; pages < 30; pages++ {
				p, err := s.Page(t.Context(), q)
				if err != nil {
					t.Fatal(err)
				}
				for _, e := range p.Events {
					got = append(got, e.CallID)
				}
				if p.Next.IsZero() {
					break
				}
				// The cursor survives its text form.
				if q.After, err = ParseCursor(p.Next.String()); err != nil {
					t.Fatal(err)
				}
			}
			if len(got) != len(all) || !sameSet(got, all) {
				t.Errorf("%+v limit %d: %d events over %d pages %v, want each of %v once", q, limit, len(got), pages+1, got, all)
			}
		}
	}
}

func sameSet(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}

func TestParseCursor(t *testing.T) {
	c := Cursor{time: -5, block: 7, record: 3, set: true}
	got, err := ParseCursor(c.String())
	if err != nil || got != c {
		t.Errorf("round trip of %+v = %+v, %v", c, got, err)
	}
	for _, bad := range []string{"!", "AA", "AAAAAA", "____", strings.Repeat("A", 100)} {
		if _, err := ParseCursor(bad); err == nil {
			t.Errorf("ParseCursor(%q) succeeded", bad)
		}
	}
	if c, err := ParseCursor(""); err != nil || !c.IsZero() {
		t.Errorf(`ParseCursor("") = %+v, %v`, c, err)
	}
}

// FuzzParseCursor: cursors come from clients. Anything parses or is
// refused without panicking, and what parses re-encodes to the same text.
func FuzzParseCursor(f *testing.F) {
	f.Add("")
	f.Add(Cursor{time: 1795740715130167063, block: 9, record: 3, set: true}.String())
	f.Add("____")
	f.Fuzz(func(t *testing.T, s string) {
		c, err := ParseCursor(s)
		if err != nil {
			return
		}
		if back, err := ParseCursor(c.String()); err != nil || back != c {
			t.Fatalf("ParseCursor(%q) = %+v, which round-trips to %+v, %v", s, c, back, err)
		}
	})
}
