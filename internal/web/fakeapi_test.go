package web

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/netip"
	"slices"
	"strconv"
	"sync"
	"time"
)

// fakeKey is the API key the fake API wants.
const fakeKey = "s3cret"

// apiEvent is an event as /api/v1/events returns it (see notes/api-v1.md).
type apiEvent struct {
	ID                     string `json:"id"`
	Time                   string `json:"time"`
	NodeID                 string `json:"node_id"`
	Collected              string `json:"collected"`
	Transport              string `json:"transport"`
	SourceIP               string `json:"source_ip"`
	SourcePort             int    `json:"source_port"`
	DestinationIP          string `json:"destination_ip"`
	DestinationPort        int    `json:"destination_port"`
	Method                 string `json:"method"`
	RequestURI             string `json:"request_uri"`
	CalledNumber           string `json:"called_number"`
	CalledNumberNormalised string `json:"called_number_normalised"`
	From                   string `json:"from"`
	To                     string `json:"to"`
	CallID                 string `json:"call_id"`
	CSeq                   string `json:"cseq"`
	UserAgent              string `json:"user_agent"`
	Contact                string `json:"contact"`
	Via                    string `json:"via"`
	Raw                    string `json:"raw,omitempty"`
	RawTruncated           *bool  `json:"raw_truncated,omitempty"`

	raw string // what Raw holds when the request asks for it
}

// xss is a user agent that would run script if the page used it as markup.
const xss = `<img src=x onerror="window.pwned=1"><script>window.pwned=1</script>`

func probe(id, at, ip, method, number, ua string) apiEvent {
	uri := "sip:" + number + "@127.0.0.1"
	raw := method + " " + uri + " SIP/2.0\r\n" +
		"Via: SIP/2.0/UDP " + ip + ":5070;branch=z9hG4bK-" + id[len(id)-4:] + "\r\n" +
		"From: \"sipvicious\"<sip:100@1.1.1.1>;tag=" + id[len(id)-4:] + "\r\n" +
		"To: <" + uri + ">\r\n" +
		"Call-ID: call-" + id + "\r\n" +
		"CSeq: 1 " + method + "\r\n" +
		"User-Agent: " + ua + "\r\n" +
		"Content-Length: 0\r\n\r\n"
	return apiEvent{
		ID: id, Time: at, NodeID: "5e1f0c2a-8d7b-4c3e-9a10-2b3c4d5e6f70",
		Collected: "passive", Transport: "UDP",
		SourceIP: ip, SourcePort: 5070, DestinationIP: "127.0.0.1", DestinationPort: 5060,
		Method: method, RequestURI: uri, CalledNumber: number, CalledNumberNormalised: number,
		From: `"sipvicious"<sip:100@1.1.1.1>`, To: "<" + uri + ">", CallID: "call-" + id,
		CSeq: "1 " + method, UserAgent: ua, Contact: "<sip:100@" + ip + ">",
		Via: "SIP/2.0/UDP " + ip + ":5070", raw: raw,
	}
}

// The fake's data: three stored probes, and two that arrive on the stream
// when the test says so.
var (
	storedProbes = []apiEvent{
		probe("0b6f1a52-0000-4000-8000-000000000001", "2026-11-27T00:10:01.100000001Z", "198.51.100.20", "OPTIONS", "100", "friendly-scanner"),
		probe("0b6f1a52-0000-4000-8000-000000000002", "2026-11-27T00:10:02Z", "203.0.113.7", "REGISTER", "1001", "sipcli/v1.8"),
		probe("0b6f1a52-0000-4000-8000-000000000003", "2026-11-27T00:11:00.5Z", "192.0.2.9", "INVITE", "0044201234567", "VaxSIPUserAgent"),
	}
	streamProbes = []apiEvent{
		probe("5a7e0d9c-0000-4000-8000-00000000000a", "2026-11-27T00:12:03.123456789Z", "203.0.113.7", "INVITE", "900441234", "friendly-scanner"),
		probe("5a7e0d9c-0000-4000-8000-00000000000b", "2026-11-27T00:12:04.987654321Z", "2001:db8::7", "OPTIONS", "100", xss),
	}
)

// fakeAPI serves Handler plus a fake of the API endpoints the page uses, and
// records what the page asked, to check it afterwards.
type fakeAPI struct {
	mux     *http.ServeMux
	publish chan struct{} // closed by the test: the stream sends its probes
	done    chan struct{} // closed before the server closes: streams end

	mu         sync.Mutex
	published  bool
	problems   []string // requests the page should not have made
	statsCalls int
	rawLookups int
	streamOpen int
}

func newFakeAPI() *fakeAPI {
	f := &fakeAPI{mux: http.NewServeMux(), publish: make(chan struct{}), done: make(chan struct{})}
	// Mounted as the daemon should mount it: outside the key check.
	f.mux.Handle("GET /{$}", Handler())
	f.mux.Handle("GET /assets/", Handler())
	f.mux.Handle("GET /health-check", f.keyed(f.health))
	f.mux.Handle("GET /api/v1/stats", f.keyed(f.stats))
	f.mux.Handle("GET /api/v1/events", f.keyed(f.events))
	f.mux.Handle("GET /api/v1/events/stream", f.keyed(f.stream))
	f.mux.Handle("GET /api/v1/check/ip/{ip}", f.keyed(f.checkIP))
	f.mux.Handle("GET /api/v1/check/number/{number}", f.keyed(f.checkNumber))
	f.mux.Handle("GET /api/v1/blocking", f.keyed(f.blocking))
	return f
}

// blocking answers /api/v1/blocking with two blockers, one failing, and a
// decision whose reason an attacker could not write but the test makes
// hostile anyway.
func (f *fakeAPI) blocking(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{
		"by_origin": map[string]int{"local": 1200, "peers": 30, "trusted": 0, "manual": 2}, "total": 1232,
		"evicted": 0, "refused": 4, "ignored": 0,
		"blockers": []map[string]any{
			{"name": "nftables", "in_sync": true, "held": 1230, "syncs": 12, "applies": 40, "changes": 1300, "errors": 0, "lost": 0, "last_sync_took_ms": 3.2},
			{"name": "crowdsec", "in_sync": false, "held": 0, "syncs": 0, "applies": 0, "changes": 0, "errors": 3, "lost": 0,
				"last_error": "no bouncer pulled yet", "last_error_at": "2026-11-27T00:12:00Z", "last_sync_took_ms": 0},
		},
		"latest": []map[string]any{
			{"value": "203.0.113.7", "kind": "ip", "origin": "local", "reporters": 1, "since": "2026-11-27T00:11:00Z", "until": "2026-12-04T00:12:03Z", "reason": xss},
			{"value": "198.51.100.0/24", "kind": "range", "origin": "manual", "reporters": 1, "since": "2026-11-27T00:10:00Z", "until": "2026-11-28T00:10:00Z", "reason": "scanner farm"},
		},
	})
}

func (f *fakeAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) { f.mux.ServeHTTP(w, r) }

func (f *fakeAPI) problem(format string, args ...any) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.problems = append(f.problems, fmt.Sprintf(format, args...))
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	json.NewEncoder(w).Encode(v)
}

func (f *fakeAPI) keyed(h http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("X-Api-Key") != fakeKey {
			writeJSON(w, http.StatusUnauthorized, map[string]string{"message": "missing or wrong API key"})
			return
		}
		h(w, r)
	})
}

func (f *fakeAPI) health(w http.ResponseWriter, r *http.Request) {
	if r.Header.Get("Accept") != "application/json" {
		f.problem("health-check without Accept: application/json")
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "OK", "message": "Hello from SentryPeer!", "version": "9.8.7-test"})
}

type valueCount struct {
	Value string `json:"value"`
	Count int    `json:"count"`
}

type hourCount struct {
	Hour  string `json:"hour"`
	Count int    `json:"count"`
}

func (f *fakeAPI) stats(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	f.statsCalls++
	f.mu.Unlock()
	if top := r.URL.Query().Get("top"); top == "" {
		f.problem("stats without top")
	}
	// 168 hours ending at the current hour of the fake's clock, with a
	// daily rhythm and a burst, so the screenshot shows a readable chart.
	end := time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC)
	hours := make([]hourCount, 168)
	for i := range hours {
		h := end.Add(time.Duration(i-167) * time.Hour)
		c := 40 + 30*((h.Hour()+6)%24)/24 + (i*37)%25
		if i >= 120 && i < 126 {
			c += 400
		}
		if i%50 == 7 {
			c = 0
		}
		hours[i] = hourCount{Hour: h.Format(time.RFC3339), Count: c}
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"events_total": 1234567, "ip_addresses_total": 20345, "numbers_total": 50210,
		"user_agents_total": 31,
		"first_event":       "2026-01-02T03:04:05.123456789Z", "last_event": "2026-11-27T00:12:04.987654321Z",
		"window_hours":        168,
		"top_ip_addresses":    []valueCount{{"203.0.113.7", 5321}, {"198.51.100.20", 4100}, {"2001:db8::7", 977}},
		"top_numbers":         []valueCount{{"100", 9000}, {"900441234", 1200}, {"0044201234567", 300}},
		"top_user_agents":     []valueCount{{"friendly-scanner", 100000}, {"sipcli/v1.8", 2000}, {xss, 3}},
		"methods":             []valueCount{{"OPTIONS", 700000}, {"REGISTER", 400000}, {"INVITE", 134567}},
		"top_number_prefixes": []valueCount{{"4420", 9}},
		"events_per_hour":     hours,
	})
}

func (f *fakeAPI) all() []apiEvent {
	f.mu.Lock()
	defer f.mu.Unlock()
	evs := slices.Clone(storedProbes)
	if f.published {
		evs = append(evs, streamProbes...)
	}
	return evs
}

func (f *fakeAPI) events(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	limit, err := strconv.Atoi(q.Get("limit"))
	if err != nil || limit < 1 || limit > 1000 {
		f.problem("events with limit %q: the page must always ask for a bounded page", q.Get("limit"))
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "bad limit", "parameter": "limit"})
		return
	}
	var since, until time.Time
	for _, p := range []struct {
		name string
		t    *time.Time
	}{{"since", &since}, {"until", &until}} {
		if v := q.Get(p.name); v != "" {
			if *p.t, err = time.Parse(time.RFC3339Nano, v); err != nil {
				f.problem("events with %s=%q", p.name, v)
				writeJSON(w, http.StatusBadRequest, map[string]string{"error": "bad time", "parameter": p.name})
				return
			}
		}
	}
	raw := q.Get("raw") == "true"
	if raw {
		f.mu.Lock()
		f.rawLookups++
		f.mu.Unlock()
	}
	var out []apiEvent
	for _, e := range f.all() {
		at, _ := time.Parse(time.RFC3339Nano, e.Time)
		switch {
		case q.Has("ip") && q.Get("ip") != e.SourceIP,
			q.Has("number") && q.Get("number") != e.CalledNumberNormalised,
			!since.IsZero() && at.Before(since),
			!until.IsZero() && !at.Before(until): // until is exclusive here
			continue
		}
		if raw {
			no := false
			e.Raw, e.RawTruncated = e.raw, &no
		}
		out = append(out, e)
	}
	slices.Reverse(out) // newest first
	out = out[:min(limit, len(out))]
	writeJSON(w, http.StatusOK, map[string]any{"events": out})
}

func (f *fakeAPI) stream(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	f.streamOpen++
	f.mu.Unlock()
	rc := http.NewResponseController(w)
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-cache")
	w.WriteHeader(http.StatusOK)
	fmt.Fprint(w, ": connected\n\n")
	rc.Flush()
	select {
	case <-f.publish:
	case <-r.Context().Done():
		return
	case <-f.done:
		return
	}
	f.mu.Lock()
	f.published = true
	f.mu.Unlock()
	for i, e := range streamProbes {
		data, _ := json.Marshal(e)
		msg := "event: probe\nid: " + e.ID + "\ndata: " + string(data) + "\n\n"
		if i == 0 {
			// Split an event across writes, as TCP may, to exercise the parser.
			fmt.Fprint(w, msg[:len(msg)/2])
			rc.Flush()
			time.Sleep(20 * time.Millisecond)
			msg = msg[len(msg)/2:] + ": keep-alive\n\n"
		}
		fmt.Fprint(w, msg)
		rc.Flush()
	}
	select {
	case <-r.Context().Done():
	case <-f.done:
	}
}

func (f *fakeAPI) checkIP(w http.ResponseWriter, r *http.Request) {
	addr, err := netip.ParseAddr(r.PathValue("ip"))
	if err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "not an IP address", "parameter": "ip"})
		return
	}
	if addr.String() == "203.0.113.7" {
		writeJSON(w, http.StatusOK, map[string]any{
			"ip": addr.String(), "bad": true, "count": 5321, "sources": []string{"local"},
			"first_seen": "2026-11-20T01:02:03.5Z", "last_seen": "2026-11-27T00:12:03.123456789Z",
		})
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"ip": addr.String(), "bad": false})
}

func (f *fakeAPI) checkNumber(w http.ResponseWriter, r *http.Request) {
	n := r.PathValue("number")
	writeJSON(w, http.StatusOK, map[string]any{"number": n, "bad": false})
}
