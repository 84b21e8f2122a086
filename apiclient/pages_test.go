package apiclient

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// eventsServer serves n events, newest first, at /api/v1/events, paging
// with a cursor that is the index of the next event.
func eventsServer(n int) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		limit, _ := strconv.Atoi(q.Get("limit"))
		if limit == 0 {
			limit = 100
		}
		from, _ := strconv.Atoi(q.Get("cursor"))
		var evs []map[string]any
		for i := from; i < min(from+limit, n); i++ {
			evs = append(evs, map[string]any{"id": fmt.Sprint("e", i), "time": time.Date(2026, 11, 27, 0, 0, n-i, 0, time.UTC), "source_ip": "192.0.2.1", "extra": i})
		}
		page := map[string]any{"events": evs}
		if from+limit < n {
			page["next_cursor"] = strconv.Itoa(from + limit)
		}
		reply(w, 200, page)
	}
}

func TestAllEvents(t *testing.T) {
	var rec recorder
	c := rec.serve(t, eventsServer(5))
	var ids []string
	for e, err := range c.AllEvents(t.Context(), EventQuery{Method: "invite", Limit: 2}) {
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, e.ID)
		if !strings.Contains(string(e.JSON), `"extra":`) {
			t.Errorf("JSON %s lacks the field unknown here", e.JSON)
		}
	}
	if want := []string{"e0", "e1", "e2", "e3", "e4"}; !slices.Equal(ids, want) {
		t.Errorf("ids %q, want %q", ids, want)
	}
	want := []string{"GET /api/v1/events?limit=2&method=invite", "GET /api/v1/events?cursor=2&limit=2&method=invite", "GET /api/v1/events?cursor=4&limit=2&method=invite"}
	if got := rec.uris(); !slices.Equal(got, want) {
		t.Errorf("requests %q, want %q", got, want)
	}

	t.Run("break stops fetching", func(t *testing.T) {
		before := len(rec.uris())
		for range c.AllEvents(t.Context(), EventQuery{Limit: 2}) {
			break
		}
		if n := len(rec.uris()) - before; n != 1 {
			t.Errorf("%d requests, want 1", n)
		}
	})
}

func TestAllEventsRepeatedCursor(t *testing.T) {
	var rec recorder
	c := rec.serve(t, func(w http.ResponseWriter, r *http.Request) {
		reply(w, 200, map[string]any{"events": []map[string]any{{"id": "e"}}, "next_cursor": "same"})
	})
	var errs int
	for _, err := range c.AllEvents(t.Context(), EventQuery{Cursor: "same"}) {
		if err != nil {
			errs++
		}
	}
	if errs != 1 || len(rec.uris()) != 1 {
		t.Errorf("%d errors after %d requests, want 1 after 1", errs, len(rec.uris()))
	}
}

func TestEventQuery(t *testing.T) {
	since := time.Date(2026, 11, 27, 0, 0, 0, 500, time.UTC)
	q := EventQuery{IP: "2001:db8::/32", Number: "100", NumberPrefix: "44", Method: "OPTIONS", UserAgent: "sip", Transport: "udp",
		Since: since, Until: since.Add(time.Hour), Limit: 5, Cursor: "c", Raw: true}
	want := "cursor=c&ip=2001%3Adb8%3A%3A%2F32&limit=5&method=OPTIONS&number=100&number_prefix=44&raw=true&since=2026-11-27T00%3A00%3A00.0000005Z&transport=udp&until=2026-11-27T01%3A00%3A00.0000005Z&user_agent=sip"
	if got := q.values().Encode(); got != want {
		t.Errorf("query\n%s\nwant\n%s", got, want)
	}
}

func TestAllIPs(t *testing.T) {
	rows := []string{"192.0.2.1", "192.0.2.2", "192.0.2.3"}
	var rec recorder
	c := rec.serve(t, func(w http.ResponseWriter, r *http.Request) {
		limit, _ := strconv.Atoi(r.URL.Query().Get("limit"))
		off, _ := strconv.Atoi(r.URL.Query().Get("offset"))
		var page []map[string]any
		for _, ip := range rows[off:min(off+limit, len(rows))] {
			page = append(page, map[string]any{"ip": ip, "count": 1})
		}
		body := map[string]any{"total": len(rows), "ip_addresses": page}
		if off+limit < len(rows) {
			body["next_offset"] = off + limit
		}
		reply(w, 200, body)
	})
	var got []string
	for a, err := range c.AllIPs(t.Context(), ListQuery{Limit: 2, Sort: "ip"}) {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, a.IP)
	}
	if !slices.Equal(got, rows) {
		t.Errorf("rows %q, want %q", got, rows)
	}
	want := []string{"GET /api/v1/ip-addresses?limit=2&sort=ip", "GET /api/v1/ip-addresses?limit=2&offset=2&sort=ip"}
	if !slices.Equal(rec.uris(), want) {
		t.Errorf("requests %q, want %q", rec.uris(), want)
	}
	p, err := c.IPs(t.Context(), ListQuery{Limit: 1})
	if err != nil || p.Total != 3 || len(p.Rows) != 1 || p.NextOffset == nil || *p.NextOffset != 1 {
		t.Errorf("page %+v, %v", p, err)
	}
}

func TestAllIPsOffsetMustAdvance(t *testing.T) {
	var rec recorder
	c := rec.serve(t, func(w http.ResponseWriter, r *http.Request) {
		reply(w, 200, map[string]any{"total": 9, "numbers": []map[string]any{{"number": "100"}}, "next_offset": 0})
	})
	var err error
	for _, e := range c.AllNumbers(t.Context(), ListQuery{}) {
		err = e
	}
	if err == nil || !strings.Contains(err.Error(), "next_offset 0 does not follow offset 0") {
		t.Errorf("err %v", err)
	}
}

func TestDecisions(t *testing.T) {
	var rec recorder
	c := rec.serveConfig(t, Config{APIKey: "admin"}, func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.Method == "GET" && r.URL.Query().Get("cursor") == "":
			reply(w, 200, map[string]any{"decisions": []map[string]any{{"value": "192.0.2.1", "kind": "ip", "until": "2026-11-28T00:00:00Z"}}, "next": "192.0.2.1"})
		case r.Method == "GET":
			reply(w, 200, map[string]any{"decisions": []map[string]any{{"value": "8.8.8.0/24", "kind": "range"}}})
		case r.Method == "POST":
			reply(w, 201, map[string]any{"value": "8.8.8.0/24", "kind": "range", "origin": "manual", "until": "2026-11-27T02:00:00Z", "reason": "farm"})
		case r.Method == "DELETE":
			reply(w, 200, map[string]any{"value": r.PathValue("v"), "removed": true})
		}
	})
	var got []string
	for d, err := range c.AllDecisions(t.Context(), DecisionQuery{Kind: "ip", Limit: 1}) {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, d.Value)
	}
	if !slices.Equal(got, []string{"192.0.2.1", "8.8.8.0/24"}) {
		t.Errorf("decisions %q", got)
	}
	d, err := c.Block(t.Context(), Block{Value: "8.8.8.0/24", For: 2 * time.Hour, Reason: "farm"})
	if err != nil || d.Kind != "range" || !d.Until.Equal(time.Date(2026, 11, 27, 2, 0, 0, 0, time.UTC)) {
		t.Errorf("block: %+v, %v", d, err)
	}
	if body := rec.bodies[len(rec.bodies)-1]; body != `{"value":"8.8.8.0/24","reason":"farm","for":"2h0m0s"}` {
		t.Errorf("block body %s", body)
	}
	if h := rec.last().Header; h.Get("Content-Type") != "application/json" || h.Get("Authorization") != "Bearer admin" {
		t.Errorf("block headers %v", h)
	}
	if _, err := c.Unblock(t.Context(), "203.0.113.0/24"); err != nil {
		t.Fatal(err)
	}
	want := []string{"GET /api/v1/decisions?kind=ip&limit=1", "GET /api/v1/decisions?cursor=192.0.2.1&kind=ip&limit=1", "POST /api/v1/decisions", "DELETE /api/v1/decisions/203.0.113.0%2F24"}
	if !slices.Equal(rec.uris(), want) {
		t.Errorf("requests %q, want %q", rec.uris(), want)
	}
}
