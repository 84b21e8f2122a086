package httpapi

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/sentrypeer/sentrypeer/internal/decision"
	"github.com/sentrypeer/sentrypeer/internal/event"
	"github.com/sentrypeer/sentrypeer/internal/index"
	"github.com/sentrypeer/sentrypeer/internal/live"
	"github.com/sentrypeer/sentrypeer/internal/store"
)

var (
	self = event.UUID{1}
	now  = time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
)

func at(min int) time.Time { return now.Add(time.Duration(min) * time.Minute) }

func testEvent(min int, src, number, method, ua string) *event.Event {
	return &event.Event{
		Time: at(min), ID: event.UUID{byte(min + 100)}, NodeID: self, Collected: event.Passive, Transport: event.UDP,
		Source: netip.AddrPortFrom(netip.MustParseAddr(src), 5060), Destination: netip.MustParseAddrPort("127.0.0.1:5060"),
		Method: method, CalledNumber: number, CalledNumberNorm: number, UserAgent: ua, Raw: method + " sip:" + number + "@x SIP/2.0\r\n\r\n",
	}
}

// fakeEvents records the query it was given and returns a fixed page.
type fakeEvents struct {
	got  store.Query
	page store.Page
	err  error
}

func (f *fakeEvents) Page(ctx context.Context, q store.Query) (store.Page, error) {
	f.got = q
	return f.page, f.err
}

type fixture struct {
	idx    *index.Index
	events *fakeEvents
	hub    *live.Hub
	h      http.Handler
}

func newFixture(t *testing.T, cfg Config) *fixture {
	t.Helper()
	f := &fixture{
		idx:    index.New(index.Config{Now: func() time.Time { return at(30) }}),
		events: &fakeEvents{},
		hub:    live.New(),
	}
	f.idx.Add(
		testEvent(1, "198.51.100.1", "00442079460000", "INVITE", "friendly-scanner"),
		testEvent(2, "198.51.100.1", "00442079460000", "INVITE", "friendly-scanner"),
		testEvent(3, "2001:db8::7", "100", "REGISTER", "sipcli"),
	)
	cfg.Index, cfg.Events, cfg.Live = f.idx, f.events, f.hub
	cfg.Now = func() time.Time { return at(30) }
	if cfg.Version == "" {
		cfg.Version = "test"
	}
	f.h = New(cfg)
	return f
}

func (f *fixture) get(t *testing.T, path string, header ...string) *httptest.ResponseRecorder {
	t.Helper()
	r := httptest.NewRequest("GET", path, nil)
	for i := 0; i+1 < len(header); i += 2 {
		r.Header.Set(header[i], header[i+1])
	}
	w := httptest.NewRecorder()
	f.h.ServeHTTP(w, r)
	return w
}

func TestOriginalEndpoints(t *testing.T) {
	f := newFixture(t, Config{})
	empty := New(Config{Index: index.New(index.Config{})})
	tests := []struct {
		name string
		h    http.Handler
		path string
		code int
		body string // exact
	}{
		{"ip addresses", f.h, "/ip-addresses", 200, `{
  "ip_addresses_total": 2,
  "ip_addresses": [
    {
      "ip_address": "2001:db8::7",
      "seen_last": "2026-11-27 12:03:00.000000000",
      "seen_count": "1"
    },
    {
      "ip_address": "198.51.100.1",
      "seen_last": "2026-11-27 12:02:00.000000000",
      "seen_count": "2"
    }
  ]
}
`},
		{"ip address", f.h, "/ip-addresses/198.51.100.1", 200, "{\n  \"bad_actor_found\": \"198.51.100.1\"\n}\n"},
		{"ip address unknown", f.h, "/ip-addresses/198.51.100.2", 404, "{\n  \"message\": \"No bad actor found\"\n}\n"},
		{"ip address malformed", f.h, "/ip-addresses/nope", 400, "{\n  \"message\": \"Not an IP address\"\n}\n"},
		{"numbers", f.h, "/numbers", 200, `{
  "called_numbers_total": 2,
  "called_numbers": [
    {
      "called_number": "100",
      "seen_last": "2026-11-27 12:03:00.000000000",
      "seen_count": "1"
    },
    {
      "called_number": "00442079460000",
      "seen_last": "2026-11-27 12:02:00.000000000",
      "seen_count": "2"
    }
  ]
}
`},
		{"number normalised", f.h, "/numbers/0044-207-946-0000", 200, "{\n  \"phone_number_found\": \"00442079460000\"\n}\n"},
		{"number unknown", f.h, "/numbers/999", 404, "{\n  \"message\": \"No phone number found\"\n}\n"},
		{"no ip addresses", empty, "/ip-addresses", 404, "{\n  \"message\": \"No bad actors found\"\n}\n"},
		{"no numbers", empty, "/numbers", 404, "{\n  \"message\": \"No phone numbers found\"\n}\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := httptest.NewRecorder()
			tt.h.ServeHTTP(w, httptest.NewRequest("GET", tt.path, nil))
			if w.Code != tt.code || w.Body.String() != tt.body || w.Header().Get("Content-Type") != "application/json" {
				t.Errorf("GET %s = %d %s\n%s\nwant %d\n%s", tt.path, w.Code, w.Header().Get("Content-Type"), w.Body, tt.code, tt.body)
			}
		})
	}
}

func TestV1Aggregates(t *testing.T) {
	f := newFixture(t, Config{})
	tests := []struct {
		name, path string
		code       int
		want       string // a JSON fragment the body must contain
	}{
		{"ips default order", "/api/v1/ip-addresses", 200, `{"total":2,"ip_addresses":[{"ip":"2001:db8::7","first_seen":"2026-11-27T12:03:00Z","last_seen":"2026-11-27T12:03:00Z","count":1,"methods":["REGISTER"],"user_agents":["sipcli"],"sources":["local"],"reporters":1,"enforce":true},{"ip":"198.51.100.1"`},
		{"ips by count, paged", "/api/v1/ip-addresses?sort=count&limit=1", 200, `"ip_addresses":[{"ip":"198.51.100.1","first_seen":"2026-11-27T12:01:00Z","last_seen":"2026-11-27T12:02:00Z","count":2,"methods":["INVITE"],"user_agents":["friendly-scanner"],"sources":["local"],"reporters":1,"enforce":true}],"next_offset":1}`},
		{"ips last page", "/api/v1/ip-addresses?sort=ip&order=asc&offset=1", 200, `{"total":2,"ip_addresses":[{"ip":"2001:db8::7"`},
		{"numbers", "/api/v1/numbers?sort=number&order=asc", 200, `{"total":2,"numbers":[{"number":"00442079460000"`},
		{"bad sort", "/api/v1/ip-addresses?sort=bogus", 400, `{"error":"sort: must be one of last_seen, first_seen, count, ip","parameter":"sort"}`},
		{"bad limit", "/api/v1/numbers?limit=1001", 400, `"parameter":"limit"`},
		{"unknown parameter", "/api/v1/numbers?lmit=1", 400, `"parameter":"lmit"`},
		{"check ip bad", "/api/v1/check/ip/198.51.100.1", 200, `{"ip":"198.51.100.1","bad":true,"first_seen":"2026-11-27T12:01:00Z","last_seen":"2026-11-27T12:02:00Z","count":2,"sources":["local"],"reporters":1,"enforce":true}`},
		{"check ip good", "/api/v1/check/ip/198.51.100.2", 200, `{"ip":"198.51.100.2","bad":false}`},
		{"check ip malformed", "/api/v1/check/ip/1.2.3", 400, `"parameter":"ip"`},
		{"check ip zone", "/api/v1/check/ip/fe80::1%25eth0", 400, `"parameter":"ip"`},
		{"check number", "/api/v1/check/number/0044%20207-946-0000", 200, `{"number":"00442079460000","bad":true`},
		{"check number unseen", "/api/v1/check/number/123", 200, `{"number":"123","bad":false}`},
		{"check number empty", "/api/v1/check/number/---", 400, `"parameter":"number"`},
		{"stats", "/api/v1/stats?top=1", 200, `{"events_total":3,"ip_addresses_total":2,"numbers_total":2,"user_agents_total":2,"first_event":"2026-11-27T12:01:00Z","last_event":"2026-11-27T12:03:00Z","window_hours":168,"ready":false,"top_ip_addresses":[{"value":"198.51.100.1","count":2}],"top_numbers":[{"value":"00442079460000","count":2}],"top_user_agents":[{"value":"friendly-scanner","count":2}],"methods":[{"value":"INVITE","count":2},{"value":"REGISTER","count":1}],"top_number_prefixes":[{"value":"0044","count":2}],"events_per_hour":[`},
		{"stats bad top", "/api/v1/stats?top=0", 400, `"parameter":"top"`},
		{"unknown api path", "/api/v1/nope", 404, `{"error":"no such endpoint: /api/v1/nope"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := f.get(t, tt.path)
			if w.Code != tt.code || !strings.Contains(w.Body.String(), tt.want) {
				t.Errorf("GET %s = %d\n%s\nwant %d containing\n%s", tt.path, w.Code, w.Body, tt.code, tt.want)
			}
		})
	}
	t.Run("stats hours", func(t *testing.T) {
		var s statsBody
		json.Unmarshal(f.get(t, "/api/v1/stats").Body.Bytes(), &s)
		last := s.EventsPerHour[len(s.EventsPerHour)-1]
		if len(s.EventsPerHour) != 168 || !last.Hour.Equal(now) || last.Count != 3 {
			t.Errorf("%d hours, last %+v; want 168, the current hour holding 3", len(s.EventsPerHour), last)
		}
	})
}

func TestExport(t *testing.T) {
	f := newFixture(t, Config{})
	tests := []struct {
		name, query string
		code        int
		ctype, want string
	}{
		{"txt default", "", 200, "text/plain; charset=utf-8", "198.51.100.1\n2001:db8::7\n"},
		{"txt all", "format=txt&kind=all", 200, "text/plain; charset=utf-8", "198.51.100.1\n2001:db8::7\n00442079460000\n100\n"},
		{"txt min count", "format=txt&min_count=2", 200, "text/plain; charset=utf-8", "198.51.100.1\n"},
		{"csv numbers", "format=csv&kind=numbers", 200, "text/csv; charset=utf-8", "kind,value,first_seen,last_seen,count\nnumber,00442079460000,2026-11-27T12:01:00Z,2026-11-27T12:02:00Z,2\nnumber,100,2026-11-27T12:03:00Z,2026-11-27T12:03:00Z,1\n"},
		{"json ips", "format=json", 200, "application/json", `{"generated_at":"2026-11-27T12:30:00Z","ip_addresses":[{"ip":"198.51.100.1","first_seen":"2026-11-27T12:01:00Z","last_seen":"2026-11-27T12:02:00Z","count":2},{"ip":"2001:db8::7","first_seen":"2026-11-27T12:03:00Z","last_seen":"2026-11-27T12:03:00Z","count":1}]}` + "\n"},
		{"ipset", "format=ipset", 200, "text/plain; charset=utf-8", "add sentrypeer-v4 198.51.100.1 -exist\nadd sentrypeer-v6 2001:db8::7 -exist\n"},
		{"nft", "format=nft", 200, "text/plain; charset=utf-8", "add element inet sentrypeer bad_ipv4 { 198.51.100.1 }\nadd element inet sentrypeer bad_ipv6 { 2001:db8::7 }\n"},
		{"nft numbers refused", "format=nft&kind=numbers", 400, "application/json", `"parameter":"kind"`},
		{"bad format", "format=xml", 400, "application/json", `"parameter":"format"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := f.get(t, "/api/v1/export?"+tt.query)
			if w.Code != tt.code || w.Header().Get("Content-Type") != tt.ctype || !strings.HasSuffix(w.Body.String(), tt.want) && !strings.Contains(w.Body.String(), tt.want) {
				t.Errorf("export?%s = %d %s\n%s\nwant %d %s ending\n%s", tt.query, w.Code, w.Header().Get("Content-Type"), w.Body, tt.code, tt.ctype, tt.want)
			}
		})
	}
}

func TestEventsQuery(t *testing.T) {
	f := newFixture(t, Config{})
	e := testEvent(5, "198.51.100.9", "100", "OPTIONS", "ua")
	cur, _ := store.ParseCursor("AgQG")
	f.events.page = store.Page{Events: []event.Event{*e}, Next: cur}
	tests := []struct {
		name, query string
		code        int
		want        store.Query
		errParam    string
	}{
		{name: "defaults", want: store.Query{Limit: 100}, code: 200},
		{name: "every filter", code: 200,
			query: "ip=198.51.100.0/24&number_prefix=%2B44&method=invite&user_agent=Friendly&transport=TLS&since=2026-11-27T10:00:00Z&until=2026-11-27T11:00:00.5Z&limit=5&cursor=AgQG",
			want: store.Query{SourcePrefix: netip.MustParsePrefix("198.51.100.0/24"), NumberPrefix: "+44", Method: "INVITE", UserAgent: "Friendly",
				Transport: event.TLS, Since: time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC), Before: time.Date(2026, 11, 27, 11, 0, 0, 5e8, time.UTC), Limit: 5, After: cur}},
		{name: "single ip and number", query: "ip=2001:db8::1&number=0044-20", code: 200,
			want: store.Query{SourcePrefix: netip.MustParsePrefix("2001:db8::1/128"), CalledNumber: "004420", Limit: 100}},
		{name: "bad ip", query: "ip=1.2.3.4/33", code: 400, errParam: "ip"},
		{name: "bad time", query: "since=yesterday", code: 400, errParam: "since"},
		{name: "until before since", query: "since=2026-11-27T10:00:00Z&until=2026-11-27T09:00:00Z", code: 400, errParam: "until"},
		{name: "bad cursor", query: "cursor=!!", code: 400, errParam: "cursor"},
		{name: "bad transport", query: "transport=sctp", code: 400, errParam: "transport"},
		{name: "bad raw", query: "raw=yes", code: 400, errParam: "raw"},
		{name: "repeated", query: "method=A&method=B", code: 400, errParam: "method"},
		{name: "limit too big", query: "limit=1001", code: 400, errParam: "limit"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f.events.got = store.Query{}
			w := f.get(t, "/api/v1/events?"+tt.query)
			if w.Code != tt.code {
				t.Fatalf("code %d, want %d: %s", w.Code, tt.code, w.Body)
			}
			if tt.code != 200 {
				var e apiError
				if json.Unmarshal(w.Body.Bytes(), &e); e.Parameter != tt.errParam {
					t.Errorf("error %+v, want parameter %q", e, tt.errParam)
				}
				return
			}
			if fmt.Sprint(f.events.got) != fmt.Sprint(tt.want) {
				t.Errorf("query\n%+v\nwant\n%+v", f.events.got, tt.want)
			}
		})
	}
	t.Run("body", func(t *testing.T) {
		var out struct {
			Events     []map[string]any `json:"events"`
			NextCursor string           `json:"next_cursor"`
		}
		json.Unmarshal(f.get(t, "/api/v1/events").Body.Bytes(), &out)
		if len(out.Events) != 1 || out.NextCursor != "AgQG" || out.Events[0]["source_ip"] != "198.51.100.9" || out.Events[0]["raw"] != nil {
			t.Errorf("body %+v", out)
		}
		json.Unmarshal(f.get(t, "/api/v1/events?raw=true").Body.Bytes(), &out)
		if out.Events[0]["raw"] != e.Raw || out.Events[0]["raw_truncated"] != false {
			t.Errorf("raw=true: %+v", out.Events[0])
		}
	})
	t.Run("store too slow", func(t *testing.T) {
		f.events.err = fmt.Errorf("store: reading events: %w", context.DeadlineExceeded)
		defer func() { f.events.err = nil }()
		if w := f.get(t, "/api/v1/events"); w.Code != 503 || !strings.Contains(w.Body.String(), `"error":"the request took too long`) {
			t.Errorf("%d %s; want 503 with a JSON error", w.Code, w.Body)
		}
	})
	t.Run("store failure", func(t *testing.T) {
		f.events.err = fmt.Errorf("disk on fire")
		defer func() { f.events.err = nil }()
		if w := f.get(t, "/api/v1/events"); w.Code != 500 || strings.Contains(w.Body.String(), "fire") {
			t.Errorf("%d %s; want 500 without the internal error", w.Code, w.Body)
		}
	})
}

func TestKeyAndDashboard(t *testing.T) {
	dash := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "dashboard "+r.URL.Path) })
	f := newFixture(t, Config{Key: "s3cret", Dashboard: dash})
	tests := []struct {
		name, path, header, value string
		code                      int
	}{
		{"dashboard without key", "/", "", "", 200},
		{"assets without key", "/assets/app.js", "", "", 200},
		{"api without key", "/api/v1/stats", "", "", 401},
		{"original without key", "/ip-addresses", "", "", 401},
		{"wrong key", "/api/v1/stats", "X-Api-Key", "nope", 401},
		{"x-api-key", "/api/v1/stats", "X-Api-Key", "s3cret", 200},
		{"bearer", "/api/v1/stats", "Authorization", "Bearer s3cret", 200},
		{"unknown path needs the key too", "/etc/passwd", "", "", 401},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if w := f.get(t, tt.path, tt.header, tt.value); w.Code != tt.code {
				t.Errorf("GET %s with %s=%q: %d, want %d", tt.path, tt.header, tt.value, w.Code, tt.code)
			}
		})
	}
	t.Run("wrong method and body", func(t *testing.T) {
		r := httptest.NewRequest("POST", "/api/v1/stats", strings.NewReader("x"))
		r.Header.Set("X-Api-Key", "s3cret")
		w := httptest.NewRecorder()
		f.h.ServeHTTP(w, r)
		if w.Code != 405 || w.Header().Get("Allow") != "GET, HEAD" {
			t.Errorf("POST: %d, Allow %q", w.Code, w.Header().Get("Allow"))
		}
		r = httptest.NewRequest("GET", "/api/v1/stats", strings.NewReader(strings.Repeat("x", 2048)))
		r.Header.Set("X-Api-Key", "s3cret")
		w = httptest.NewRecorder()
		f.h.ServeHTTP(w, r)
		if w.Code != 413 {
			t.Errorf("2 KiB body: %d, want 413", w.Code)
		}
	})
}

func TestStream(t *testing.T) {
	f := newFixture(t, Config{})
	srv := httptest.NewServer(f.h)
	defer srv.Close()
	ch := event.NewQueue(4)
	hubDone := make(chan error)
	go func() { hubDone <- f.hub.Run(t.Context(), ch) }()

	resp, err := http.Get(srv.URL + "/api/v1/events/stream")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "text/event-stream" {
		t.Fatalf("%d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	r := bufio.NewReader(resp.Body)
	if line, _ := r.ReadString('\n'); line != ": connected\n" {
		t.Fatalf("first line %q", line)
	}
	r.ReadString('\n')
	e1, e2 := testEvent(7, "198.51.100.3", "1", "INVITE", "x"), testEvent(8, "198.51.100.4", "2", "OPTIONS", "y")
	ch.Put(e1)
	ch.Put(e2)
	for _, want := range []*event.Event{e1, e2} {
		var lines []string
		for {
			line, err := r.ReadString('\n')
			if err != nil {
				t.Fatalf("reading the stream: %v (so far %q)", err, lines)
			}
			if line == "\n" {
				break
			}
			lines = append(lines, strings.TrimSuffix(line, "\n"))
		}
		if len(lines) != 3 || lines[0] != "event: probe" || lines[1] != "id: "+want.ID.String() || !strings.Contains(lines[2], `"source_ip":"`+want.Source.Addr().String()+`"`) || strings.Contains(lines[2], `"raw"`) {
			t.Errorf("event lines %q", lines)
		}
	}
	ch.Close() // the hub stops: the stream ends
	if _, err := io.ReadAll(r); err != nil {
		t.Errorf("stream did not end cleanly: %v", err)
	}
	<-hubDone
	if w := f.get(t, "/api/v1/events/stream?x=1"); w.Code != 400 {
		t.Errorf("stream with a parameter: %d", w.Code)
	}
}

// FuzzQuery: any query string to any /api/v1/ endpoint gets 200 or a 400
// that names a parameter, never a panic or a 500.
func FuzzQuery(f *testing.F) {
	for _, q := range []string{"", "ip=1.2.3.0/24&limit=5", "sort=count&order=asc&offset=9", "format=nft&kind=all", "top=0", "cursor=AgQG&since=2026-11-27T00:00:00Z", "limit=%ff", "ip=::ffff:1.2.3.4%25x"} {
		for _, path := range []string{"/api/v1/events", "/api/v1/ip-addresses", "/api/v1/numbers", "/api/v1/stats", "/api/v1/export", "/api/v1/reports/ip/203.0.113.7", "/api/v1/decisions", "/api/v1/blocking"} {
			if strings.HasPrefix(path, "/api/v1/reports/") && fuzzReports() == nil {
				continue // a lite build has no reports
			}
			f.Add(path, q)
		}
	}
	f.Add("/api/v1/decisions", "kind=range&origin=manual&contains=8.&cursor=8.8.8.0&limit=1000")
	eng := decision.New(decision.Config{})
	eng.Block("8.8.8.0/24", time.Hour, "x")
	fx := newFixture(&testing.T{}, Config{Reports: fuzzReports(), Decisions: eng, DecisionStats: eng})
	fx.events.page = store.Page{Events: []event.Event{*testEvent(5, "198.51.100.9", "100", "OPTIONS", "ua")}}
	f.Fuzz(func(t *testing.T, path, query string) {
		switch path {
		case "/api/v1/events", "/api/v1/ip-addresses", "/api/v1/numbers", "/api/v1/stats", "/api/v1/export", "/api/v1/reports/ip/203.0.113.7",
			"/api/v1/decisions", "/api/v1/blocking":
		default:
			return
		}
		r := httptest.NewRequest("GET", "/", nil)
		r.URL.Path, r.URL.RawQuery = path, query
		w := httptest.NewRecorder()
		fx.h.ServeHTTP(w, r)
		switch w.Code {
		case 200:
		case 400:
			var e apiError
			if json.Unmarshal(w.Body.Bytes(), &e) != nil || e.Parameter == "" {
				t.Fatalf("%s?%s: 400 without a parameter: %s", path, query, w.Body)
			}
		default:
			t.Fatalf("%s?%s: %d %s", path, query, w.Code, w.Body)
		}
	})
}

// FuzzBlockBody: any body POSTed to /api/v1/decisions with the admin key
// gets 201, a 400 or a 409, never a panic or a 500; what is accepted is
// a decision the engine holds.
func FuzzBlockBody(f *testing.F) {
	for _, b := range []string{`{"value": "8.8.8.8"}`, `{"value": "8.8.0.0/16", "for": "1h", "reason": "x"}`, `{"value": "0046701"}`,
		`{"value": "127.0.0.1"}`, `{"value": ""}`, `{"for": "-1s", "value": "1.1.1.1"}`, `{"value": 5}`, `[]`, `{"value": "1.1.1.1", "x": 1}`} {
		f.Add(b)
	}
	eng := decision.New(decision.Config{Max: 1000})
	h := New(Config{Decisions: eng, AdminKey: "admin-key-0123456789"})
	f.Fuzz(func(t *testing.T, body string) {
		r := httptest.NewRequest("POST", "/api/v1/decisions", strings.NewReader(body))
		r.Header.Set("Authorization", "Bearer admin-key-0123456789")
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		switch w.Code {
		case 201:
			var d struct{ Value string }
			if json.Unmarshal(w.Body.Bytes(), &d) != nil {
				t.Fatalf("201 with %s", w.Body)
			}
			if _, ok := eng.Get(d.Value); !ok {
				t.Fatalf("201 for %q, which the engine does not hold", d.Value)
			}
			eng.Unblock(d.Value)
		case 400, 409, 413:
		case 503: // the set is full of manual decisions
		default:
			t.Fatalf("%q: %d %s", body, w.Code, w.Body)
		}
	})
}
