package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// evilUA is an attacker's user agent: ESC sequences, BEL, a bidi override.
const evilUA = "friendly-scanner\x1b]0;owned\x07\x1b[31m\u202eevil"

// fakeAPI serves the /api/v1/ endpoints with the shapes of api-v1.md.
type fakeAPI struct {
	key string // required when set

	mu       sync.Mutex
	requests []*http.Request
	// stream, when set, writes the body of /api/v1/events/stream.
	stream func(w http.ResponseWriter, r *http.Request)
}

type fakeRow struct {
	IP         string   `json:"ip,omitempty"`
	Number     string   `json:"number,omitempty"`
	FirstSeen  string   `json:"first_seen"`
	LastSeen   string   `json:"last_seen"`
	Count      int      `json:"count"`
	Methods    []string `json:"methods"`
	UserAgents []string `json:"user_agents"`
	Sources    []string `json:"sources"`
}

func fakeIPs() []fakeRow {
	return []fakeRow{
		{IP: "203.0.113.7", FirstSeen: "2026-11-20T10:00:00.5Z", LastSeen: "2026-11-27T00:12:03.123456789Z", Count: 5, Methods: []string{"INVITE", "OPTIONS"}, UserAgents: []string{evilUA}, Sources: []string{"local"}},
		{IP: "2001:db8::1", FirstSeen: "2026-11-21T01:02:03Z", LastSeen: "2026-11-26T01:02:03Z", Count: 2, Methods: []string{"REGISTER"}, UserAgents: []string{"sipcli/v1.8"}, Sources: []string{"local"}},
		{IP: "198.51.100.9", FirstSeen: "2026-11-22T01:02:03Z", LastSeen: "2026-11-25T01:02:03Z", Count: 1, Methods: []string{"OPTIONS"}, UserAgents: []string{"pplsip"}, Sources: []string{"local"}},
	}
}

func fakeNumbers() []fakeRow {
	return []fakeRow{
		{Number: "0044123", FirstSeen: "2026-11-20T10:00:00Z", LastSeen: "2026-11-27T00:12:03Z", Count: 3, Methods: []string{"INVITE"}, UserAgents: []string{"friendly-scanner"}, Sources: []string{"local"}},
		{Number: "100", FirstSeen: "2026-11-20T10:00:00Z", LastSeen: "2026-11-26T00:00:00Z", Count: 1, Methods: []string{"INVITE"}, UserAgents: []string{"VaxSIPUserAgent"}, Sources: []string{"local"}},
	}
}

// fakeEvent is an API event as JSON, for the list and the stream.
func fakeEvent(id, at, ip string, port int, method, number, ua string) []byte {
	b, _ := json.Marshal(map[string]any{
		"id": id, "time": at, "node_id": "00000000-0000-0000-0000-000000000001",
		"collected": "passive", "transport": "UDP", "source_ip": ip, "source_port": port,
		"destination_ip": "127.0.0.1", "destination_port": 5060, "method": method,
		"request_uri": "sip:" + number + "@x", "called_number": number, "called_number_normalised": number,
		"from": "", "to": "", "call_id": "c", "cseq": "1 " + method, "user_agent": ua, "contact": "", "via": "",
	})
	return b
}

func fakeEvents() [][]byte { // newest first, as the API sends them
	return [][]byte{
		fakeEvent("e2", "2026-11-27T00:12:03.999Z", "203.0.113.7", 5061, "INVITE", "0044123", evilUA),
		fakeEvent("e1", "2026-11-27T00:10:00Z", "2001:db8::1", 5060, "OPTIONS", "100", "sipcli/v1.8"),
	}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

func (f *fakeAPI) handler() http.Handler {
	mux := http.NewServeMux()
	page := func(key string, rows []fakeRow) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			limit, offset := 100, 0
			if v := r.URL.Query().Get("limit"); v != "" {
				limit, _ = strconv.Atoi(v)
			}
			if v := r.URL.Query().Get("offset"); v != "" {
				offset, _ = strconv.Atoi(v)
			}
			if limit < 1 || limit > 1000 {
				writeJSON(w, 400, map[string]string{"error": "limit must be 1..1000", "parameter": "limit"})
				return
			}
			end := min(offset+limit, len(rows))
			body := map[string]any{"total": len(rows), key: rows[min(offset, end):end]}
			if end < len(rows) {
				body["next_offset"] = end
			}
			writeJSON(w, 200, body)
		}
	}
	mux.HandleFunc("GET /api/v1/ip-addresses", page("ip_addresses", fakeIPs()))
	mux.HandleFunc("GET /api/v1/numbers", page("numbers", fakeNumbers()))
	mux.HandleFunc("GET /api/v1/check/ip/{ip}", func(w http.ResponseWriter, r *http.Request) {
		a, err := netip.ParseAddr(r.PathValue("ip"))
		if err != nil {
			writeJSON(w, 400, map[string]string{"error": "not an IP address", "parameter": "ip"})
			return
		}
		if a.String() == "203.0.113.7" {
			writeJSON(w, 200, map[string]any{"ip": a.String(), "bad": true, "first_seen": "2026-11-20T10:00:00.5Z", "last_seen": "2026-11-27T00:12:03.123456789Z", "count": 5, "sources": []string{"local"}, "reporters": 1, "enforce": true})
			return
		}
		writeJSON(w, 200, map[string]any{"ip": a.String(), "bad": false})
	})
	mux.HandleFunc("GET /api/v1/reports/ip/{ip}", func(w http.ResponseWriter, r *http.Request) {
		a, err := netip.ParseAddr(r.PathValue("ip"))
		if err != nil {
			writeJSON(w, 400, map[string]string{"error": "ip: not an IP address", "parameter": "ip"})
			return
		}
		reports := []map[string]any{}
		if a.String() == "203.0.113.7" {
			reports = append(reports,
				map[string]any{"reporter": "12D3KooWreporter", "via": "12D3KooWvia", "received": "2026-11-27T00:12:04Z",
					"first_seen": "2026-11-27T00:12:03Z", "last_seen": "2026-11-27T00:12:03Z", "count": 1, "called_number": "100",
					"method": "INVITE", "user_agent": evilUA, "transport": "UDP", "destination": "192.0.2.10:5060",
					"raw": "INVITE sip:100@192.0.2.10 SIP/2.0\r\nUser-Agent: " + evilUA + "\r\n\r\n"},
				map[string]any{"reporter": "12D3KooWother", "via": "12D3KooWvia", "received": "2026-11-26T00:00:01Z",
					"first_seen": "2026-11-25T00:00:00Z", "last_seen": "2026-11-26T00:00:00Z", "count": 40, "called_number": "",
					"method": "OPTIONS", "user_agent": "sipvicious", "transport": "UDP"})
		}
		writeJSON(w, 200, map[string]any{"ip_address": a.String(), "reports": reports})
	})
	mux.HandleFunc("GET /api/v1/check/number/{number}", func(w http.ResponseWriter, r *http.Request) {
		n := r.PathValue("number")
		switch n {
		case "0044123", "+44/123":
			writeJSON(w, 200, map[string]any{"number": n, "bad": true, "first_seen": "2026-11-20T10:00:00Z", "last_seen": "2026-11-27T00:12:03Z", "count": 3, "sources": []string{"peer"}, "reporters": 1, "enforce": false})
		case "boom":
			writeJSON(w, 503, map[string]string{"error": "store unavailable"})
		default:
			writeJSON(w, 200, map[string]any{"number": n, "bad": false})
		}
	})
	mux.HandleFunc("GET /api/v1/export", func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		w.Header().Set("Content-Type", "text/plain")
		fmt.Fprintf(w, "format=%s kind=%s\n203.0.113.7\n\x00\xff raw bytes\n", q.Get("format"), q.Get("kind"))
	})
	mux.HandleFunc("GET /api/v1/events", func(w http.ResponseWriter, r *http.Request) {
		evs := fakeEvents()
		if strings.EqualFold(r.URL.Query().Get("method"), "OPTIONS") {
			evs = evs[1:]
		}
		raws := make([]json.RawMessage, len(evs))
		for i, e := range evs {
			raws[i] = e
		}
		writeJSON(w, 200, map[string]any{"events": raws, "next_cursor": "abc"})
	})
	mux.HandleFunc("GET /api/v1/events/stream", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		w.WriteHeader(200)
		w.(http.Flusher).Flush()
		if f.stream != nil {
			f.stream(w, r)
		}
	})
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		f.requests = append(f.requests, r.Clone(context.Background()))
		f.mu.Unlock()
		if f.key != "" && r.Header.Get("Authorization") != "Bearer "+f.key {
			writeJSON(w, 401, map[string]string{"message": "missing or wrong API key"})
			return
		}
		mux.ServeHTTP(w, r)
	})
}

// paths returns the request URIs the fake received.
func (f *fakeAPI) paths() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	for _, r := range f.requests {
		out = append(out, r.URL.RequestURI())
	}
	return out
}

func (f *fakeAPI) lastRequest() *http.Request {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.requests) == 0 {
		return nil
	}
	return f.requests[len(f.requests)-1]
}

// start serves f on 127.0.0.1 until the test ends.
func (f *fakeAPI) start(t *testing.T) string {
	t.Helper()
	srv := httptest.NewServer(f.handler())
	t.Cleanup(srv.Close)
	return srv.URL
}

// sse writes one probe event and flushes.
func sse(w http.ResponseWriter, id string, data []byte) {
	fmt.Fprintf(w, "event: probe\nid: %s\ndata: %s\n\n", id, data)
	w.(http.Flusher).Flush()
}

// result is what one run of a subcommand produced.
type result struct {
	code           int
	stdout, stderr string
}

// run runs the subcommand with env (nil for none) through [Run].
func run(t *testing.T, ctx context.Context, env map[string]string, name string, args ...string) result {
	t.Helper()
	var out, errb bytes.Buffer
	code := Run(ctx, name, args, mapEnv(env), &out, &errb)
	return result{code, out.String(), errb.String()}
}

func mapEnv(m map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
}
