package apidoctest

import (
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
)

// recorder is a testing.TB that records failures instead of failing, so
// tests can assert that Check reports what it should.
type recorder struct {
	testing.TB
	mu     sync.Mutex
	errs   []string
	fatals []string
}

func (r *recorder) Helper() {}

func (r *recorder) Errorf(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.errs = append(r.errs, fmt.Sprintf(format, args...))
}

func (r *recorder) Fatalf(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.fatals = append(r.fatals, fmt.Sprintf(format, args...))
}

const (
	t1 = "2026-11-27T00:12:03.123456789Z"
	t0 = "2026-11-20T01:00:00Z"
)

// event returns a valid Event with changes applied: a nil value deletes
// the key.
func event(changes map[string]any) map[string]any {
	e := map[string]any{
		"id": "7d0f3c9a-4b1e-4c2a-9f3e-2b8a1c5d6e7f", "time": t1,
		"node_id":   "0b6f1e2d-3c4a-4b5c-8d6e-7f8091a2b3c4",
		"collected": "passive", "transport": "UDP",
		"source_ip": "203.0.113.7", "source_port": 5060,
		"destination_ip": "127.0.0.1", "destination_port": 5060,
		"method": "INVITE", "request_uri": "sip:100@x", "called_number": "100",
		"called_number_normalised": "100", "from": "<sip:a@b>", "to": "<sip:100@x>",
		"call_id": "abc", "cseq": "1 INVITE", "user_agent": "friendly-scanner",
		"contact": "", "via": "SIP/2.0/UDP 203.0.113.7:5060",
	}
	for k, v := range changes {
		if v == nil {
			delete(e, k)
		} else {
			e[k] = v
		}
	}
	return e
}

func stats(changes map[string]any) map[string]any {
	vc := []any{map[string]any{"value": "1.2.3.4", "count": 123}}
	s := map[string]any{
		"events_total": 1000000, "ip_addresses_total": 20000, "numbers_total": 50000,
		"user_agents_total": 30, "first_event": t0, "last_event": t1, "window_hours": 2, "ready": true,
		"top_ip_addresses": vc, "top_numbers": []any{}, "top_user_agents": vc, "methods": vc,
		"top_number_prefixes": []any{map[string]any{"value": "4420", "count": 9}},
		"events_per_hour": []any{
			map[string]any{"hour": "2026-11-26T23:00:00Z", "count": 0},
			map[string]any{"hour": "2026-11-27T00:00:00Z", "count": 12},
		},
	}
	for k, v := range changes {
		if v == nil {
			delete(s, k)
		} else {
			s[k] = v
		}
	}
	return s
}

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}

func frame(e map[string]any) string {
	return fmt.Sprintf("event: probe\nid: %v\ndata: %s\n\n", e["id"], mustJSON(e))
}

const jsonCT = "application/json"

// exchange is one request and its response, as a test states them.
type exchange struct {
	name, method, target string
	code                 int
	ct                   string
	header               map[string]string
	body                 string
}

func (x exchange) run(v *Validator, tb testing.TB) {
	method := x.method
	if method == "" {
		method = http.MethodGet
	}
	req := httptest.NewRequest(method, x.target, nil)
	resp := &http.Response{StatusCode: x.code, Header: http.Header{}, Request: req}
	if x.ct != "" {
		resp.Header.Set("Content-Type", x.ct)
	}
	for k, val := range x.header {
		resp.Header.Set(k, val)
	}
	v.Check(tb, req, resp, []byte(x.body))
}

func TestCheckAccepts(t *testing.T) {
	v := New(t)
	tests := []exchange{
		{name: "event list", target: "/api/v1/events", code: 200, ct: jsonCT, body: mustJSON(map[string]any{
			"events":      []any{event(nil), event(map[string]any{"method": "", "parse_error": "no start line"})},
			"next_cursor": "b3BhcXVl",
		})},
		{name: "event list with filters and raw", code: 200, ct: "application/json; charset=utf-8",
			target: "/api/v1/events?ip=203.0.113.0/24&number=100&method=invite&transport=tls&since=2026-11-27T00:00:00Z&until=2026-11-28T00:00:00%2B01:00&limit=1000&raw=true&cursor=x",
			body:   mustJSON(map[string]any{"events": []any{event(map[string]any{"raw": "INVITE sip:100@x SIP/2.0\r\n", "raw_truncated": false, "transport": "TLS"})}})},
		{name: "empty event list", target: "/api/v1/events?user_agent=sipcli", code: 200, ct: jsonCT, body: `{"events":[]}`},
		{name: "stats", target: "/api/v1/stats?top=5", code: 200, ct: jsonCT, body: mustJSON(stats(nil))},
		{name: "stats of an empty store", target: "/api/v1/stats", code: 200, ct: jsonCT, body: mustJSON(stats(map[string]any{
			"first_event": nil, "last_event": nil, "top_ip_addresses": []any{}, "events_total": 0}))},
		{name: "check ip bad", target: "/api/v1/check/ip/203.0.113.7", code: 200, ct: jsonCT,
			body: `{"ip":"203.0.113.7","bad":true,"first_seen":"` + t0 + `","last_seen":"` + t1 + `","count":5,"sources":["local"],"reporters":1,"enforce":true}`},
		{name: "check ipv6 not bad", target: "/api/v1/check/ip/2001:db8::1", code: 200, ct: jsonCT, body: `{"ip":"2001:db8::1","bad":false}`},
		{name: "check number", target: "/api/v1/check/number/%2B44-20", code: 200, ct: jsonCT, body: `{"number":"4420","bad":false}`},
		{name: "ip addresses", target: "/api/v1/ip-addresses?sort=count&order=asc&limit=1&offset=0", code: 200, ct: jsonCT,
			body: `{"total":2,"ip_addresses":[{"ip":"1.2.3.4","first_seen":"` + t0 + `","last_seen":"` + t1 + `","count":5,"methods":["INVITE","OPTIONS"],"user_agents":["friendly-scanner"],"sources":["local"],"reporters":1,"enforce":true}],"next_offset":1}`},
		{name: "numbers", target: "/api/v1/numbers?sort=number", code: 200, ct: jsonCT,
			body: `{"total":1,"numbers":[{"number":"0044","first_seen":"` + t0 + `","last_seen":"` + t1 + `","count":3,"methods":[],"user_agents":[],"sources":["local"],"reporters":1,"enforce":true}]}`},
		{name: "export csv", target: "/api/v1/export?format=csv&kind=all", code: 200, ct: "text/csv; charset=utf-8",
			body: "kind,value,first_seen,last_seen,count\nip,1.2.3.4," + t0 + "," + t1 + ",5\n"},
		{name: "export json", target: "/api/v1/export?format=json", code: 200, ct: jsonCT,
			body: `{"generated_at":"` + t1 + `","ip_addresses":[{"ip":"1.2.3.4","first_seen":"` + t0 + `","last_seen":"` + t1 + `","count":5}]}`},
		{name: "export nft", target: "/api/v1/export?format=nft", code: 200, ct: "text/plain; charset=utf-8", body: "table inet sentrypeer {\n}\n"},
		{name: "stream", target: "/api/v1/events/stream", code: 200, ct: "text/event-stream",
			body: ": keep-alive\n\n" + frame(event(nil)) + ": keep-alive\n\n" + "event: probe\nid: cut-he"},
		{name: "openapi", target: "/api/v1/openapi.json", code: 200, ct: jsonCT, body: string(mustDoc())},
		{name: "bad request", target: "/api/v1/events?limit=5000", code: 400, ct: jsonCT, body: `{"error":"limit must be between 1 and 1000","parameter":"limit"}`},
		{name: "bad ip", target: "/api/v1/check/ip/nope", code: 400, ct: jsonCT, body: `{"error":"not an IP address","parameter":"ip"}`},
		{name: "missing format", target: "/api/v1/export", code: 400, ct: jsonCT, body: `{"error":"format is required","parameter":"format"}`},
		{name: "unknown parameter refused", target: "/api/v1/stats?bogus=1", code: 400, ct: jsonCT, body: `{"error":"unknown parameter bogus"}`},
		{name: "wrong method", method: "POST", target: "/api/v1/events", code: 405, ct: jsonCT,
			header: map[string]string{"Allow": "GET, HEAD"}, body: `{"error":"method not allowed"}`},
		{name: "wrong method original", method: "DELETE", target: "/numbers/100", code: 405, ct: jsonCT,
			header: map[string]string{"Allow": "GET, HEAD"}, body: `{"message":"method not allowed"}`},
		{name: "unauthorized", target: "/api/v1/events", code: 401, ct: jsonCT,
			header: map[string]string{"WWW-Authenticate": `Bearer realm="sentrypeer"`}, body: `{"message":"missing or wrong API key"}`},
		{name: "unavailable", target: "/api/v1/events", code: 503, ct: jsonCT, body: `{"error":"store busy"}`},
		{name: "head", method: "HEAD", target: "/api/v1/stats", code: 200, ct: jsonCT},
		{name: "health json", target: "/health-check", code: 200, ct: jsonCT, body: `{"status":"OK","message":"Hello from SentryPeer!","version":"1.2.3"}`},
		{name: "health html", target: "/health-check", code: 200, ct: "text/html; charset=utf-8", body: "<html></html>"},
		{name: "metrics", target: "/metrics", code: 200, ct: "text/plain; version=0.0.4; charset=utf-8", body: "sentrypeer_up 1\n"},
		{name: "original ip addresses", target: "/ip-addresses", code: 200, ct: jsonCT,
			body: `{"ip_addresses_total":1,"ip_addresses":[{"ip_address":"1.2.3.4","seen_last":"2026-11-27 00:12:03.123456789","seen_count":"5"}]}`},
		{name: "original ip not found", target: "/ip-addresses/1.2.3.5", code: 404, ct: jsonCT, body: `{"message":"No bad actor found"}`},
		{name: "original ip found", target: "/ip-addresses/1.2.3.4", code: 200, ct: jsonCT, body: `{"bad_actor_found":"1.2.3.4"}`},
		{name: "original numbers", target: "/numbers", code: 200, ct: jsonCT,
			body: `{"called_numbers_total":1,"called_numbers":[{"called_number":"0044","seen_last":"2026-11-27 00:12:03","seen_count":"3"}]}`},
		{name: "original number found", target: "/numbers/0044", code: 200, ct: jsonCT, body: `{"phone_number_found":"0044"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel() // the Validator is shared
			rec := &recorder{TB: t}
			tt.run(v, rec)
			if len(rec.errs)+len(rec.fatals) > 0 {
				t.Errorf("valid exchange reported:\n%s", strings.Join(append(rec.errs, rec.fatals...), "\n"))
			}
		})
	}
}

func mustDoc() []byte {
	b, err := json.Marshal(map[string]any{"openapi": "3.0.3", "info": map[string]any{}, "paths": map[string]any{}, "x": 1})
	if err != nil {
		panic(err)
	}
	return b
}

func TestCheckRejects(t *testing.T) {
	v := New(t)
	list := func(events ...any) string { return mustJSON(map[string]any{"events": events}) }
	unauthorized := map[string]string{"WWW-Authenticate": "Bearer"}
	tests := []struct {
		exchange
		want []string // each must appear in one reported error
	}{
		{exchange{name: "missing required field", target: "/api/v1/events", code: 200, ct: jsonCT,
			body: list(event(map[string]any{"user_agent": nil}))}, []string{`"user_agent"`, "/events/0"}},
		{exchange{name: "wrong type", target: "/api/v1/events", code: 200, ct: jsonCT,
			body: list(event(map[string]any{"source_port": "5060"}))}, []string{"/events/0/source_port", "integer"}},
		{exchange{name: "extra field", target: "/api/v1/events", code: 200, ct: jsonCT,
			body: list(event(map[string]any{"sourceIP": "1.2.3.4"}))}, []string{`"sourceIP"`}},
		{exchange{name: "renamed field", target: "/api/v1/events", code: 200, ct: jsonCT,
			body: list(event(map[string]any{"called_number_normalised": nil, "called_number_normalized": "100"}))},
			[]string{`"called_number_normalized"`, `"called_number_normalised"`}},
		{exchange{name: "bad enum", target: "/api/v1/events", code: 200, ct: jsonCT,
			body: list(event(map[string]any{"transport": "udp"}))}, []string{"/events/0/transport"}},
		{exchange{name: "time not UTC", target: "/api/v1/events", code: 200, ct: jsonCT,
			body: list(event(map[string]any{"time": "2026-11-27T01:12:03+01:00"}))}, []string{"/events/0/time"}},
		{exchange{name: "not an ip", target: "/api/v1/events", code: 200, ct: jsonCT,
			body: list(event(map[string]any{"source_ip": "203.0.113"}))}, []string{"source_ip"}},
		{exchange{name: "null list", target: "/api/v1/events", code: 200, ct: jsonCT, body: `{"events":null}`}, []string{"events"}},
		{exchange{name: "not json", target: "/api/v1/events", code: 200, ct: jsonCT, body: `{"events":[`}, []string{"decode"}},
		{exchange{name: "stats missing field", target: "/api/v1/stats", code: 200, ct: jsonCT,
			body: mustJSON(stats(map[string]any{"events_per_hour": nil}))}, []string{`"events_per_hour"`}},
		{exchange{name: "stats float count", target: "/api/v1/stats", code: 200, ct: jsonCT,
			body: mustJSON(stats(map[string]any{"events_total": 1.5}))}, []string{"events_total"}},
		{exchange{name: "stats hour not on the hour", target: "/api/v1/stats", code: 200, ct: jsonCT,
			body: mustJSON(stats(map[string]any{"events_per_hour": []any{map[string]any{"hour": t1, "count": 1}}}))}, []string{"hour"}},
		{exchange{name: "check ip bad without first_seen", target: "/api/v1/check/ip/1.2.3.4", code: 200, ct: jsonCT,
			body: `{"ip":"1.2.3.4","bad":true,"last_seen":"` + t1 + `","count":5,"sources":["local"],"reporters":1,"enforce":true}`}, []string{"first_seen"}},
		{exchange{name: "check ip not bad with count", target: "/api/v1/check/ip/1.2.3.4", code: 200, ct: jsonCT,
			body: `{"ip":"1.2.3.4","bad":false,"count":0}`}, []string{"count"}},
		{exchange{name: "check ip bad as string", target: "/api/v1/check/ip/1.2.3.4", code: 200, ct: jsonCT,
			body: `{"ip":"1.2.3.4","bad":"false"}`}, []string{"bad"}},
		{exchange{name: "original seen_count as number", target: "/ip-addresses", code: 200, ct: jsonCT,
			body: `{"ip_addresses_total":1,"ip_addresses":[{"ip_address":"1.2.3.4","seen_last":"2026-11-27 00:12:03","seen_count":5}]}`}, []string{"seen_count"}},
		{exchange{name: "undocumented status", target: "/api/v1/events", code: 500, ct: jsonCT, body: `{"error":"boom"}`},
			[]string{"status 500 is not documented", "GET /api/v1/events"}},
		{exchange{name: "undocumented status on head", method: "HEAD", target: "/api/v1/stats", code: 418, ct: jsonCT}, []string{"status 418"}},
		{exchange{name: "undocumented path", target: "/api/v1/nope", code: 404, ct: jsonCT, body: `{"error":"not found"}`}, []string{"no operation", "/api/v1/nope"}},
		{exchange{name: "wrong content type", target: "/api/v1/events", code: 200, ct: "text/plain", body: `{"events":[]}`}, []string{`Content-Type "text/plain"`}},
		{exchange{name: "no content type", target: "/api/v1/events", code: 200, body: `{"events":[]}`}, []string{"no Content-Type"}},
		{exchange{name: "error with message shape", target: "/api/v1/events?limit=0", code: 400, ct: jsonCT, body: `{"message":"bad limit"}`}, []string{`"message"`}},
		{exchange{name: "error with empty parameter", target: "/api/v1/events?limit=0", code: 400, ct: jsonCT, body: `{"error":"bad limit","parameter":""}`}, []string{"parameter"}},
		{exchange{name: "invalid request accepted", target: "/api/v1/events?limit=5000", code: 200, ct: jsonCT, body: `{"events":[]}`},
			[]string{"4xx was due", "limit"}},
		{exchange{name: "enum request accepted", target: "/api/v1/ip-addresses?sort=number", code: 200, ct: jsonCT, body: `{"total":0,"ip_addresses":[]}`},
			[]string{"4xx was due", "sort"}},
		{exchange{name: "unknown parameter accepted", target: "/api/v1/stats?bogus=1", code: 200, ct: jsonCT, body: mustJSON(stats(nil))},
			[]string{"4xx was due", `"bogus"`}},
		{exchange{name: "parameter below its minimum", target: "/api/v1/export?min_count=0", code: 200, ct: "text/plain", body: "1.2.3.4\n"},
			[]string{"4xx was due", "min_count"}},
		{exchange{name: "undocumented method served", method: "POST", target: "/api/v1/events", code: 200, ct: jsonCT, body: `{"events":[]}`},
			[]string{"POST is not documented", "405 was due"}},
		{exchange{name: "405 without allow", method: "PUT", target: "/api/v1/stats", code: 405, ct: jsonCT, body: `{"error":"method not allowed"}`},
			[]string{`"Allow"`}},
		{exchange{name: "401 without challenge", target: "/api/v1/events", code: 401, ct: jsonCT, body: `{"message":"missing or wrong API key"}`},
			[]string{`"WWW-Authenticate"`}},
		{exchange{name: "401 as error shape", target: "/api/v1/events", code: 401, ct: jsonCT, header: unauthorized, body: `{"error":"missing or wrong API key"}`},
			[]string{`"error"`}},
		{exchange{name: "timeout text", target: "/api/v1/stats", code: 503, ct: "text/plain; charset=utf-8", body: `{"message": "timeout"}`},
			[]string{`Content-Type "text/plain; charset=utf-8"`}},
		{exchange{name: "csv header", target: "/api/v1/export?format=csv", code: 200, ct: "text/csv", body: "value,count\n1.2.3.4,5\n"}, []string{"regular expression", `"value,count`}},
		{exchange{name: "stream raw", target: "/api/v1/events/stream", code: 200, ct: "text/event-stream",
			body: frame(event(map[string]any{"raw": "INVITE", "raw_truncated": false}))}, []string{"frame 1", "StreamEvent"}},
		{exchange{name: "stream bad event", target: "/api/v1/events/stream", code: 200, ct: "text/event-stream",
			body: frame(event(nil)) + frame(event(map[string]any{"node_id": nil}))}, []string{"frame 2", `"node_id"`}},
		{exchange{name: "stream event name", target: "/api/v1/events/stream", code: 200, ct: "text/event-stream",
			body: strings.Replace(frame(event(nil)), "event: probe", "event: message", 1)}, []string{`event is "message"`}},
		{exchange{name: "stream id mismatch", target: "/api/v1/events/stream", code: 200, ct: "text/event-stream",
			body: strings.Replace(frame(event(nil)), "id: 7d0f", "id: 8d0f", 1)}, []string{"differs"}},
		{exchange{name: "stream data not json", target: "/api/v1/events/stream", code: 200, ct: "text/event-stream",
			body: "event: probe\nid: x\ndata: {\n\n"}, []string{"not JSON"}},
		{exchange{name: "health wrong status", target: "/health-check", code: 200, ct: jsonCT,
			body: `{"status":"ok","message":"Hello from SentryPeer!","version":"1"}`}, []string{"status"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			rec := &recorder{TB: t}
			tt.run(v, rec)
			if len(rec.fatals) > 0 {
				t.Errorf("Fatalf called: %q", rec.fatals)
			}
			if len(rec.errs) == 0 {
				t.Fatalf("nothing reported")
			}
			all := strings.Join(rec.errs, "\n")
			for _, w := range tt.want {
				if !strings.Contains(all, w) {
					t.Errorf("no report mentions %q; got:\n%s", w, all)
				}
			}
			t.Logf("reported: %s", all)
		})
	}
}

// TestCheckLive goes through a real server and client, where requests carry
// absolute URLs with a random port and responses come from net/http.
func TestCheckLive(t *testing.T) {
	v := New(t)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch r.URL.Path {
		case "/api/v1/check/ip/::1":
			io.WriteString(w, `{"ip":"::1","bad":false}`)
		default:
			w.WriteHeader(http.StatusInternalServerError)
			io.WriteString(w, `{"error":"boom"}`)
		}
	}))
	defer srv.Close()
	get := func(path string) (*http.Request, *http.Response, []byte) {
		req, err := http.NewRequest(http.MethodGet, srv.URL+path, nil)
		if err != nil {
			t.Fatal(err)
		}
		resp, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		return req, resp, body
	}
	t.Run("valid", func(t *testing.T) {
		rec := &recorder{TB: t}
		req, resp, body := get("/api/v1/check/ip/::1")
		v.Check(rec, req, resp, body)
		if len(rec.errs) > 0 {
			t.Errorf("reported %q", rec.errs)
		}
	})
	t.Run("undocumented status", func(t *testing.T) {
		rec := &recorder{TB: t}
		req, resp, body := get("/api/v1/stats")
		v.Check(rec, req, resp, body)
		if len(rec.errs) != 1 || !strings.Contains(rec.errs[0], "status 500") {
			t.Errorf("reported %q, want one error about status 500", rec.errs)
		}
	})
}

func TestPathsAndExercised(t *testing.T) {
	v := New(t)
	paths := v.Paths()
	if len(paths) != 28 || !slices.Contains(paths, "GET /api/v1/openapi.json") || !slices.IsSorted(paths) {
		t.Errorf("Paths() = %q", paths)
	}
	rec := &recorder{TB: t}
	for _, x := range []exchange{
		{target: "/api/v1/check/ip/1.2.3.4", code: 200, ct: jsonCT, body: `{"ip":"1.2.3.4","bad":false}`},
		{target: "/api/v1/check/ip/1.2.3.5", code: 200, ct: jsonCT, body: `{"ip":"1.2.3.5","bad":false}`},
		{target: "/api/v1/stats?top=0", code: 400, ct: jsonCT, body: `{"error":"bad top","parameter":"top"}`}, // 4xx: not exercised
		{method: "HEAD", target: "/api/v1/numbers", code: 200, ct: jsonCT},                                    // HEAD: not exercised
	} {
		x.run(v, rec)
	}
	if len(rec.errs) > 0 {
		t.Fatalf("reported %q", rec.errs)
	}
	if got, want := v.Exercised(), []string{"GET /api/v1/check/ip/{ip}"}; !slices.Equal(got, want) {
		t.Errorf("Exercised() = %q, want %q", got, want)
	}
}

func TestLoadFails(t *testing.T) {
	tests := map[string]string{
		"not json":        `{`,
		"bad ref":         `{"openapi":"3.0.3","info":{"title":"x","version":"1"},"paths":{"/a":{"get":{"responses":{"200":{"$ref":"#/components/responses/Nope"}}}}}}`,
		"no StreamEvent":  `{"openapi":"3.0.3","info":{"title":"x","version":"1"},"paths":{}}`,
		"invalid version": `{"openapi":"3.0.3","info":{"title":"x"},"paths":{}}`,
	}
	for _, name := range slices.Sorted(maps.Keys(tests)) {
		t.Run(name, func(t *testing.T) {
			if _, err := load([]byte(tests[name])); err == nil {
				t.Error("loaded")
			}
		})
	}
}

func TestNewReportsNothing(t *testing.T) {
	rec := &recorder{TB: t}
	if v := New(rec); v == nil || len(rec.fatals)+len(rec.errs) > 0 {
		t.Errorf("New: %v %q %q", v, rec.fatals, rec.errs)
	}
}

func BenchmarkCheckEventList(b *testing.B) {
	v := New(b)
	events := make([]any, 100)
	for i := range events {
		events[i] = event(nil)
	}
	body := []byte(mustJSON(map[string]any{"events": events}))
	req := httptest.NewRequest(http.MethodGet, "/api/v1/events?limit=100", nil)
	resp := &http.Response{StatusCode: 200, Header: http.Header{"Content-Type": {jsonCT}}}
	b.ReportAllocs()
	for b.Loop() {
		v.Check(b, req, resp, body)
	}
}
