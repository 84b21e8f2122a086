package httpapi

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sentrypeer/sentrypeer/internal/clients"
	"github.com/sentrypeer/sentrypeer/internal/decision"
	"github.com/sentrypeer/sentrypeer/internal/store"
)

// fakeReported stores events once per (client, uuid), as the store does.
type fakeReported struct {
	mu   sync.Mutex
	seen map[string]store.Reported
}

func (f *fakeReported) Report(_ context.Context, evs []store.Reported) (int, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.seen == nil {
		f.seen = map[string]store.Reported{}
	}
	n := 0
	for _, e := range evs {
		if _, ok := f.seen[e.Client+"/"+e.UUID]; !ok {
			f.seen[e.Client+"/"+e.UUID] = e
			n++
		}
	}
	return n, nil
}

func (f *fakeReported) len() int { f.mu.Lock(); defer f.mu.Unlock(); return len(f.seen) }

type hqFixture struct {
	t        *testing.T
	srv      *httptest.Server
	db       *clients.DB
	reg      *clients.Registry
	reported *fakeReported
	eng      *decision.Engine
	creds    map[string][2]string // name -> id, secret
}

func newHQ(t *testing.T, key string, rate float64, burst int) *hqFixture {
	t.Helper()
	db, err := clients.Open(t.Context(), filepath.Join(t.TempDir(), clients.File))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	f := &hqFixture{t: t, db: db, reported: &fakeReported{}, creds: map[string][2]string{}}
	for _, c := range []struct {
		name  string
		scope clients.Scope
	}{{"reader", clients.Read}, {"reporter", clients.Report}, {"both", clients.Read | clients.Report}} {
		cl, secret, err := db.Add(t.Context(), c.name, c.scope, false, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		f.creds[c.name] = [2]string{cl.ID, secret}
	}
	f.reg = clients.New(db, clients.Config{Rate: rate, Burst: burst})
	if err := f.reg.Load(t.Context()); err != nil {
		t.Fatal(err)
	}
	f.eng = decision.New(decision.Config{})
	f.eng.Observe(decision.Evidence{IP: netip.MustParseAddr("8.8.8.8"), Number: "0046701", Origin: decision.Local, Reporters: 1, At: time.Now()})
	f.eng.Block("9.9.9.0/24", time.Hour, "farm")
	f.srv = httptest.NewServer(New(Config{Key: key, AdminKey: "admin-key-0123456789", Decisions: f.eng,
		Clients: f.reg, Reported: f.reported}))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *hqFixture) do(method, target, contentType, body string, header ...string) (int, http.Header, string) {
	f.t.Helper()
	req, _ := http.NewRequest(method, f.srv.URL+target, strings.NewReader(body))
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		f.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, string(b)
}

// token gets a token for the client name, as CGRateS asks for one.
func (f *hqFixture) token(name string) string {
	f.t.Helper()
	c := f.creds[name]
	body, _ := json.Marshal(map[string]string{"client_id": c[0], "client_secret": c[1],
		"audience": "https://sentrypeer.com/api", "grant_type": "client_credentials"})
	code, _, out := f.do("POST", "/oauth/token", "application/json", string(body))
	var tok tokenAnswer
	if code != 200 || json.Unmarshal([]byte(out), &tok) != nil || tok.TokenType != "Bearer" || tok.ExpiresIn != 900 {
		f.t.Fatalf("token for %s: %d %s", name, code, out)
	}
	return tok.AccessToken
}

func TestTokenEndpoint(t *testing.T) {
	f := newHQ(t, "", 0, 0)
	r := f.creds["reader"]
	form := url.Values{"grant_type": {"client_credentials"}, "client_id": {r[0]}, "client_secret": {r[1]}}.Encode()
	tests := []struct {
		name, ct, body string
		header         []string
		code           int
		want           string
	}{
		{"json", "application/json", `{"grant_type":"client_credentials","client_id":"` + r[0] + `","client_secret":"` + r[1] + `"}`, nil, 200, `"token_type":"Bearer"`},
		{"form", "application/x-www-form-urlencoded", form, nil, 200, `"scope":"read"`},
		{"basic", "application/x-www-form-urlencoded", "grant_type=client_credentials", []string{"Authorization", "Basic " + basic(r[0], r[1])}, 200, `"access_token":"spt1.`},
		{"wrong secret", "application/json", `{"grant_type":"client_credentials","client_id":"` + r[0] + `","client_secret":"x"}`, nil, 401, `{"error":"invalid_client"}`},
		{"unknown client", "application/json", `{"grant_type":"client_credentials","client_id":"nobody","client_secret":"x"}`, nil, 401, `{"error":"invalid_client"}`},
		{"other grant", "application/json", `{"grant_type":"password","client_id":"` + r[0] + `","client_secret":"` + r[1] + `"}`, nil, 400, `"error":"unsupported_grant_type"`},
		{"no grant", "application/json", `{"client_id":"` + r[0] + `"}`, nil, 400, `"error":"invalid_request"`},
		{"bad json", "application/json", `{`, nil, 400, `"error":"invalid_request"`},
		{"bad type", "text/plain", `x`, nil, 400, `"error":"invalid_request"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, h, out := f.do("POST", "/oauth/token", tt.ct, tt.body, tt.header...)
			if code != tt.code || !strings.Contains(out, tt.want) {
				t.Errorf("%d %s; want %d containing %s", code, out, tt.code, tt.want)
			}
			if h.Get("Cache-Control") != "no-store" {
				t.Errorf("Cache-Control %q", h.Get("Cache-Control"))
			}
		})
	}
	if code, h, _ := f.do("GET", "/oauth/token", "", ""); code != 405 || h.Get("Allow") != "POST" {
		t.Errorf("GET /oauth/token: %d, Allow %q", code, h.Get("Allow"))
	}
}

func basic(id, secret string) string {
	req, _ := http.NewRequest("GET", "/", nil)
	req.SetBasicAuth(id, secret)
	return strings.TrimPrefix(req.Header.Get("Authorization"), "Basic ")
}

func TestHQLookupsAndScopes(t *testing.T) {
	for _, key := range []string{"", "api-key-0123456789"} {
		t.Run("key="+key, func(t *testing.T) {
			f := newHQ(t, key, 0, 0)
			reader, reporter := f.token("reader"), f.token("reporter")
			bearer := func(tok string) []string { return []string{"Authorization", "Bearer " + tok} }
			tests := []struct {
				name, target string
				header       []string
				code         int
				want         string
			}{
				{"bad IP", "/api/ip-addresses/8.8.8.8", bearer(reader), 200, `"message":"IP Address found."`},
				{"IP in a range", "/api/ip-addresses/9.9.9.77", bearer(reader), 200, `"value":"9.9.9.0/24"`},
				{"mapped IP", "/api/ip-addresses/::ffff:8.8.8.8", bearer(reader), 200, `"ip_address":"8.8.8.8"`},
				{"clean IP", "/api/ip-addresses/192.0.2.1", bearer(reader), 404, `IP Address not found.`},
				{"malformed IP", "/api/ip-addresses/not-an-ip", bearer(reader), 404, `IP Address not found.`},
				{"bad number", "/api/phone-numbers/0046701", bearer(reader), 200, `"phone_number":"0046701"`},
				{"bad number, dressed", "/api/phone-numbers/tel:0046-701", bearer(reader), 200, `"phone_number":"0046701"`},
				{"clean number", "/api/phone-numbers/441234", bearer(reader), 404, `Phone Number not found.`},
				{"not a number", "/api/phone-numbers/%20-", bearer(reader), 404, `Phone Number not found.`},
				{"list IPs", "/api/ip-addresses", bearer(reader), 200, `"value":"8.8.8.8"`},
				{"list IPs, paged", "/api/ip-addresses?limit=1", bearer(reader), 200, `"next":"8.8.8.8"`},
				{"list IPs, bad limit", "/api/ip-addresses?limit=0", bearer(reader), 400, `limit`},
				{"list numbers", "/api/phone-numbers", bearer(reader), 200, `"value":"0046701"`},
				{"the v1 API takes tokens", "/api/v1/decisions", bearer(reader), 200, `"decisions"`},
				{"the original API takes tokens", "/ip-addresses", bearer(reader), 404, `Not Found`},
				{"no token", "/api/ip-addresses/8.8.8.8", nil, 401, `message`},
				{"forged token", "/api/ip-addresses/8.8.8.8", bearer(reader + "x"), 401, `invalid or expired token`},
				{"wrong scope", "/api/ip-addresses/8.8.8.8", bearer(reporter), 403, `does not include read`},
				{"admin key", "/api/ip-addresses/8.8.8.8", bearer("admin-key-0123456789"), 200, `found`},
				{"health check", "/health-check", nil, map[bool]int{true: 401, false: 200}[key != ""], ``},
			}
			for _, tt := range tests {
				t.Run(tt.name, func(t *testing.T) {
					code, h, out := f.do("GET", tt.target, "", "", tt.header...)
					if code != tt.code || !strings.Contains(out, tt.want) {
						t.Errorf("%d %s; want %d containing %s", code, out, tt.code, tt.want)
					}
					if code == 401 && !strings.HasPrefix(h.Get("WWW-Authenticate"), "Bearer") {
						t.Errorf("401 without WWW-Authenticate: Bearer")
					}
				})
			}
			// Writes of decisions stay the admin key's.
			if code, _, _ := f.do("POST", "/api/v1/decisions", "application/json", `{"value":"7.7.7.7"}`, bearer(f.token("both"))...); code != 401 {
				t.Errorf("a token wrote a decision: %d", code)
			}
		})
	}
}

func TestNoKeyNoClientsStaysOpen(t *testing.T) {
	db, _ := clients.Open(t.Context(), filepath.Join(t.TempDir(), clients.File))
	defer db.Close()
	reg := clients.New(db, clients.Config{})
	reg.Load(t.Context())
	eng := decision.New(decision.Config{})
	srv := httptest.NewServer(New(Config{Decisions: eng, Clients: reg, Reported: &fakeReported{}}))
	defer srv.Close()
	resp, err := http.Get(srv.URL + "/api/ip-addresses/192.0.2.1")
	if err != nil || resp.StatusCode != 404 {
		t.Fatalf("open API: %v %v; want 404", resp, err)
	}
	// Events still need a client: they are counted as its reports.
	resp, _ = http.Post(srv.URL+"/api/events", "application/json", strings.NewReader(`{}`))
	if resp.StatusCode != 401 {
		t.Errorf("POST /api/events without a token: %d; want 401", resp.StatusCode)
	}
}

func TestDeletedClientLosesItsToken(t *testing.T) {
	f := newHQ(t, "", 0, 0)
	tok := f.token("reader")
	h := []string{"Authorization", "Bearer " + tok}
	if code, _, _ := f.do("GET", "/api/ip-addresses/192.0.2.1", "", "", h...); code != 404 {
		t.Fatalf("before delete: %d", code)
	}
	if _, err := f.db.Delete(t.Context(), "reader"); err != nil {
		t.Fatal(err)
	}
	f.reg.Load(t.Context()) // what Run does within a second
	if code, _, _ := f.do("GET", "/api/ip-addresses/192.0.2.1", "", "", h...); code != 401 {
		t.Errorf("after delete: %d; want 401", code)
	}
}

func TestClientRateLimit(t *testing.T) {
	f := newHQ(t, "", 1, 3)
	h := []string{"Authorization", "Bearer " + f.token("reader")} // takes one
	for i := range 2 {
		if code, _, _ := f.do("GET", "/api/ip-addresses/192.0.2.1", "", "", h...); code != 404 {
			t.Fatalf("request %d: %d", i, code)
		}
	}
	code, hdr, out := f.do("GET", "/api/ip-addresses/192.0.2.1", "", "", h...)
	if code != 429 || hdr.Get("Retry-After") != "1" || !strings.Contains(out, `"message"`) {
		t.Errorf("past the burst: %d, Retry-After %q, %s", code, hdr.Get("Retry-After"), out)
	}
}

const goodEvent = `{"app_name":"sentrypeer","app_version":"4.0.4","event_timestamp":"2026-12-01 10:00:00.123456789",
	"event_uuid":"4c1c5a3e-8d2a-4a58-9d6f-2b1d7e0a9f01","created_by_node_id":"a1b2c3d4-0000-4000-8000-000000000001",
	"collected_method":"passive","transport_type":"UDP","source_ip":"203.0.113.50","destination_ip":"192.0.2.10",
	"called_number":"sip:+44 20 7946 0000@example.com","sip_method":"INVITE","sip_user_agent":"friendly-scanner","sip_message":"INVITE sip:x SIP/2.0\r\n\r\n"}`

func withField(k, v string) string {
	var m map[string]any
	json.Unmarshal([]byte(goodEvent), &m)
	if v == "<delete>" {
		delete(m, k)
	} else {
		m[k] = json.RawMessage(v)
	}
	b, _ := json.Marshal(m)
	return string(b)
}

func TestPostEvents(t *testing.T) {
	f := newHQ(t, "", 0, 0)
	rep := []string{"Authorization", "Bearer " + f.token("reporter")}
	second := strings.Replace(goodEvent, "4c1c5a3e", "5d2d6b4f", 1)
	bad := []struct{ name, body, want string }{
		{"not JSON", `nope`, "want a JSON event object"},
		{"empty array", `[]`, "no event"},
		{"no uuid", withField("event_uuid", "<delete>"), "event_uuid is missing"},
		{"bad uuid", withField("event_uuid", `"x"`), "not a UUID"},
		{"bad time", withField("event_timestamp", `"yesterday"`), "event_timestamp"},
		{"far future", withField("event_timestamp", `"2999-01-01 00:00:00.000000000"`), "ahead"},
		{"bad ip", withField("source_ip", `"999.1.1.1"`), "source_ip"},
		{"number not a string", withField("called_number", `5`), "called_number: want a string"},
		{"bad method", withField("sip_method", `"IN VITE"`), "sip_method"},
		{"one bad in an array", "[" + goodEvent + "," + withField("source_ip", `""`) + "]", "event 1: source_ip is missing"},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			code, _, out := f.do("POST", "/api/events", "application/json", tt.body, rep...)
			if code != 400 || !strings.Contains(out, tt.want) {
				t.Errorf("%d %s; want 400 containing %q", code, out, tt.want)
			}
			if n := f.reported.len(); n != 0 {
				t.Errorf("bad input stored %d events", n)
			}
		})
	}
	good := []struct {
		name, body       string
		received, stored int
	}{
		{"one object", goodEvent, 1, 1},
		{"the same again (a retry)", goodEvent, 1, 0},
		{"an array", "[" + goodEvent + "," + second + "]", 2, 1},
	}
	for _, tt := range good {
		t.Run(tt.name, func(t *testing.T) {
			code, _, out := f.do("POST", "/api/events", "application/json", tt.body, rep...)
			var a eventsAnswer
			if code != 201 || json.Unmarshal([]byte(out), &a) != nil || a.Received != tt.received || a.Stored != tt.stored {
				t.Errorf("%d %s; want 201 received %d stored %d", code, out, tt.received, tt.stored)
			}
		})
	}
	e := f.reported.seen[f.creds["reporter"][0]+"/4c1c5a3e-8d2a-4a58-9d6f-2b1d7e0a9f01"]
	if e.Number != "+442079460000" || e.Method != "INVITE" || e.SourceIP.String() != "203.0.113.50" ||
		e.Reporter != clients.ReporterKey(f.creds["reporter"][0]) || !e.Time.Equal(time.Date(2026, 12, 1, 10, 0, 0, 123456789, time.UTC)) {
		t.Errorf("stored %+v", e)
	}
	for name, h := range map[string][]string{
		"no token":   nil,
		"read scope": {"Authorization", "Bearer " + f.token("reader")},
		"admin key":  {"Authorization", "Bearer admin-key-0123456789"},
	} {
		if code, _, _ := f.do("POST", "/api/events", "application/json", goodEvent, h...); code != 401 && code != 403 {
			t.Errorf("%s: %d; want 401 or 403", name, code)
		}
	}
	big := "[" + strings.Repeat(goodEvent+",", 1<<20/len(goodEvent)) + goodEvent + "]"
	if code, _, _ := f.do("POST", "/api/events", "application/json", big, rep...); code != 413 {
		t.Errorf("a body over 1 MiB: %d; want 413", code)
	}
}

// BenchmarkHQLookup: one CGRateS lookup through the whole handler (token
// check, rate limit, decision lookup, answer), without the network.
func BenchmarkHQLookup(b *testing.B) {
	db, _ := clients.Open(b.Context(), filepath.Join(b.TempDir(), clients.File))
	defer db.Close()
	c, secret, _ := db.Add(b.Context(), "bench", clients.Read, false, time.Now())
	reg := clients.New(db, clients.Config{Rate: -1})
	reg.Load(b.Context())
	tok, _ := reg.Issue(c.ID, secret)
	eng := decision.New(decision.Config{})
	eng.Observe(decision.Evidence{IP: netip.MustParseAddr("8.8.8.8"), Origin: decision.Local, Reporters: 1, At: time.Now()})
	h := New(Config{Decisions: eng, Clients: reg})
	for _, target := range []string{"/api/ip-addresses/8.8.8.8", "/api/ip-addresses/8.8.4.4"} {
		b.Run(target, func(b *testing.B) {
			req := httptest.NewRequest("GET", target, nil)
			req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
			b.ReportAllocs()
			for b.Loop() {
				w := httptest.NewRecorder()
				h.ServeHTTP(w, req)
				if w.Code != 200 && w.Code != 404 {
					b.Fatal(w.Code)
				}
			}
		})
	}
}
