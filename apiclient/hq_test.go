package apiclient

import (
	"net/http"
	"net/netip"
	"slices"
	"testing"
)

func hqServer(w http.ResponseWriter, r *http.Request) {
	switch r.Method + " " + r.URL.Path {
	case "GET /api/ip-addresses/203.0.113.7":
		reply(w, 200, map[string]any{"message": "IP Address found.", "ip_address": "203.0.113.7",
			"decision": map[string]any{"value": "203.0.113.0/24", "kind": "range", "origin": "manual"}})
	case "GET /api/phone-numbers/0044123":
		reply(w, 200, map[string]any{"message": "Phone Number found.", "phone_number": "0044123", "decision": map[string]any{"value": "0044123", "kind": "number"}})
	case "GET /api/ip-addresses/198.51.100.1":
		reply(w, 500, map[string]string{"error": "broken"})
	case "GET /api/ip-addresses/192.0.2.9":
		w.WriteHeader(404)
		w.Write([]byte("<html>not here</html>"))
	case "GET /api/ip-addresses":
		if r.URL.Query().Get("cursor") == "" {
			reply(w, 200, map[string]any{"data": []map[string]any{{"value": "192.0.2.1", "kind": "ip"}}, "next": "192.0.2.1"})
			return
		}
		reply(w, 200, map[string]any{"data": []map[string]any{{"value": "203.0.113.0/24", "kind": "range"}}})
	case "GET /api/phone-numbers":
		reply(w, 200, map[string]any{"data": []map[string]any{}})
	case "POST /api/events":
		reply(w, 201, map[string]any{"message": "Events stored.", "received": 2, "stored": 1})
	default:
		reply(w, 404, map[string]string{"message": "IP Address not found."})
	}
}

func TestHQLookups(t *testing.T) {
	var rec recorder
	c := rec.serveConfig(t, Config{Retry: RetryPolicy{MaxAttempts: 1}}, hqServer)
	tests := []struct {
		name     string
		lookup   func() (*HQLookup, error)
		found    bool
		message  string
		decision string
		status   int // of the error; 0 for none
	}{
		{"bad IP", func() (*HQLookup, error) { return c.HQIPAddress(t.Context(), netip.MustParseAddr("203.0.113.7")) }, true, "IP Address found.", "203.0.113.0/24", 0},
		{"clean IP", func() (*HQLookup, error) { return c.HQIPAddress(t.Context(), netip.MustParseAddr("192.0.2.1")) }, false, "IP Address not found.", "", 0},
		{"a 404 not from the API", func() (*HQLookup, error) { return c.HQIPAddress(t.Context(), netip.MustParseAddr("192.0.2.9")) }, false, "", "", 0},
		{"bad number", func() (*HQLookup, error) { return c.HQPhoneNumber(t.Context(), "0044123") }, true, "Phone Number found.", "0044123", 0},
		{"clean number", func() (*HQLookup, error) { return c.HQPhoneNumber(t.Context(), "+1 555") }, false, "IP Address not found.", "", 0},
		{"server error", func() (*HQLookup, error) { return c.HQIPAddress(t.Context(), netip.MustParseAddr("198.51.100.1")) }, false, "", "", 500},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l, err := tt.lookup()
			if tt.status != 0 {
				if statusOf(err) != tt.status {
					t.Errorf("err %v, want a %d", err, tt.status)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var dec string
			if l.Decision != nil {
				dec = l.Decision.Value
			}
			if l.Found != tt.found || l.Message != tt.message || dec != tt.decision {
				t.Errorf("got %+v (decision %q); want found %v, %q, %q", l, dec, tt.found, tt.message, tt.decision)
			}
		})
	}
	if !slices.Contains(rec.uris(), "GET /api/phone-numbers/+1%20555") {
		t.Errorf("requests %q lack the escaped number", rec.uris())
	}
}

func TestHQLists(t *testing.T) {
	var rec recorder
	c := rec.serve(t, hqServer)
	var got []string
	for d, err := range c.AllHQIPAddresses(t.Context(), HQListQuery{Limit: 1}) {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, d.Value)
	}
	if !slices.Equal(got, []string{"192.0.2.1", "203.0.113.0/24"}) {
		t.Errorf("values %q", got)
	}
	want := []string{"GET /api/ip-addresses?limit=1", "GET /api/ip-addresses?cursor=192.0.2.1&limit=1"}
	if !slices.Equal(rec.uris(), want) {
		t.Errorf("requests %q, want %q", rec.uris(), want)
	}
	p, err := c.HQPhoneNumbers(t.Context(), HQListQuery{})
	if err != nil || len(p.Data) != 0 || p.Next != "" {
		t.Errorf("HQPhoneNumbers: %+v, %v", p, err)
	}
}

func TestReportEvents(t *testing.T) {
	var rec recorder
	c := rec.serve(t, hqServer)
	a, err := c.ReportEvents(t.Context(), []HQEvent{{EventUUID: "u1", EventTimestamp: "2026-11-27 00:00:00.000000000", SourceIP: "203.0.113.7", SIPMethod: "INVITE"}})
	if err != nil || a.Received != 2 || a.Stored != 1 {
		t.Fatalf("got %+v, %v", a, err)
	}
	want := `[{"event_timestamp":"2026-11-27 00:00:00.000000000","event_uuid":"u1","source_ip":"203.0.113.7","sip_method":"INVITE"}]`
	if got := rec.bodies[0]; got != want {
		t.Errorf("body\n%s\nwant\n%s", got, want)
	}
}
