package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestEventsList(t *testing.T) {
	f := &fakeAPI{}
	api := f.start(t)
	tests := []struct {
		name     string
		args     []string
		want     []string
		wantPath string
	}{
		{
			name: "table, newest first",
			want: []string{
				"TIME SOURCE TRANSPORT METHOD CALLED NUMBER USER AGENT",
				`2026-11-27T00:12:03Z 203.0.113.7:5061 UDP INVITE 0044123 friendly-scanner\x1b]0;owned\x07\x1b[31m\u202eevil`,
				"2026-11-27T00:10:00Z [2001:db8::1]:5060 UDP OPTIONS 100 sipcli/v1.8",
			},
			wantPath: "/api/v1/events?limit=100",
		},
		{
			name: "filters go to the API",
			args: []string{"--ip", "2001:db8::/32", "--number", "100", "--method", "options", "--limit", "5"},
			want: []string{
				"TIME SOURCE TRANSPORT METHOD CALLED NUMBER USER AGENT",
				"2026-11-27T00:10:00Z [2001:db8::1]:5060 UDP OPTIONS 100 sipcli/v1.8",
			},
			wantPath: "/api/v1/events?ip=2001%3Adb8%3A%3A%2F32&limit=5&method=options&number=100",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := run(t, t.Context(), nil, "events", append([]string{"--api", api}, tt.args...)...)
			if res.code != ExitOK {
				t.Fatalf("exit %d, stderr %q", res.code, res.stderr)
			}
			if got := collapse(res.stdout); !slices.Equal(got, tt.want) {
				t.Errorf("stdout\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
			if got := f.lastRequest().URL.RequestURI(); got != tt.wantPath {
				t.Errorf("request %s, want %s", got, tt.wantPath)
			}
		})
	}
}

func TestEventsListJSON(t *testing.T) {
	api := (&fakeAPI{}).start(t)
	res := run(t, t.Context(), nil, "events", "--api", api, "--json")
	if res.code != ExitOK {
		t.Fatalf("exit %d, stderr %q", res.code, res.stderr)
	}
	var doc struct {
		Events []map[string]any `json:"events"`
		Cursor string           `json:"next_cursor"`
	}
	if err := json.Unmarshal([]byte(res.stdout), &doc); err != nil {
		t.Fatalf("stdout is not JSON: %v\n%s", err, res.stdout)
	}
	if len(doc.Events) != 2 || doc.Cursor != "abc" || doc.Events[0]["user_agent"] != evilUA || doc.Events[0]["node_id"] == nil {
		t.Errorf("JSON %+v is not the API's reply", doc)
	}
}

// twoNewEvents is a stream: a keep-alive, a repeat of the list's newest
// event, two new events (the second split over data lines), then the end.
func twoNewEvents(w http.ResponseWriter, r *http.Request) {
	fmt.Fprint(w, ": keep-alive\n\n")
	sse(w, "e2", fakeEvents()[0])
	sse(w, "e3", fakeEvent("e3", "2026-11-27T00:13:00Z", "198.51.100.9", 40000, "INVITE", "900441", "pplsip"))
	var split bytes.Buffer
	json.Indent(&split, fakeEvent("e4", "2026-11-27T00:14:00Z", "2001:db8::2", 5062, "OPTIONS", "101", "sipcli/v1.8"), "", " ")
	fmt.Fprint(w, "event: probe\nid: e4\n")
	for line := range strings.Lines(split.String()) {
		fmt.Fprintf(w, "data: %s", line)
	}
	fmt.Fprint(w, "\n\n")
}

func TestEventsFollow(t *testing.T) {
	f := &fakeAPI{stream: twoNewEvents}
	api := f.start(t)
	tests := []struct {
		name   string
		args   []string
		want   []string // table lines, or the ids of JSON lines
		asJSON bool
	}{
		{
			name: "table",
			want: []string{
				"TIME SOURCE TRANSPORT METHOD CALLED NUMBER USER AGENT",
				"2026-11-27T00:10:00Z [2001:db8::1]:5060 UDP OPTIONS 100 sipcli/v1.8",
				`2026-11-27T00:12:03Z 203.0.113.7:5061 UDP INVITE 0044123 friendly-scanner\x1b]0;owned\x07\x1b[31m\u202eevil`,
				"2026-11-27T00:13:00Z 198.51.100.9:40000 UDP INVITE 900441 pplsip",
				"2026-11-27T00:14:00Z [2001:db8::2]:5062 UDP OPTIONS 101 sipcli/v1.8",
			},
		},
		{name: "JSON lines", args: []string{"--json"}, asJSON: true, want: []string{"e1", "e2", "e3", "e4"}},
		{name: "method filter on the stream", args: []string{"--json", "--method", "options"}, asJSON: true, want: []string{"e1", "e4"}},
		{name: "CIDR filter on the stream", args: []string{"--json", "--ip", "198.51.100.0/24"}, asJSON: true, want: []string{"e1", "e2", "e3"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := run(t, t.Context(), nil, "events", append([]string{"--api", api, "--follow"}, tt.args...)...)
			if res.code != ExitOK {
				t.Fatalf("exit %d, stderr %q", res.code, res.stderr)
			}
			if !strings.Contains(res.stderr, "the API closed the event stream") {
				t.Errorf("stderr %q does not say the stream ended", res.stderr)
			}
			got := collapse(res.stdout)
			if tt.asJSON {
				got = nil
				for line := range strings.Lines(res.stdout) {
					var e map[string]any
					if err := json.Unmarshal([]byte(line), &e); err != nil {
						t.Fatalf("line %q is not one JSON object: %v", line, err)
					}
					got = append(got, fmt.Sprint(e["id"]))
				}
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("stdout\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
		})
	}
}

// cancelWriter collects output and cancels when it has seen needle.
type cancelWriter struct {
	mu     sync.Mutex
	buf    bytes.Buffer
	needle string
	cancel context.CancelFunc
}

func (w *cancelWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf.Write(p)
	if strings.Contains(w.buf.String(), w.needle) {
		w.cancel()
	}
	return len(p), nil
}

func TestEventsFollowEndsOnCancel(t *testing.T) {
	api := (&fakeAPI{stream: func(w http.ResponseWriter, r *http.Request) {
		sse(w, "e3", fakeEvent("e3", "2026-11-27T00:13:00Z", "198.51.100.9", 40000, "INVITE", "900441", "pplsip"))
		<-r.Context().Done() // an open stream, as the daemon keeps it
	}}).start(t)
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	out := &cancelWriter{needle: "198.51.100.9:40000", cancel: cancel}
	var errb bytes.Buffer
	code := Run(ctx, "events", []string{"--api", api, "--follow"}, mapEnv(nil), out, &errb)
	if code != ExitOK || errb.Len() != 0 {
		t.Errorf("exit %d, stderr %q; want 0 and nothing", code, errb.String())
	}
	if !strings.Contains(out.buf.String(), "pplsip") {
		t.Errorf("stdout %q lacks the streamed event", out.buf.String())
	}
}

func TestEventsFollowCutStream(t *testing.T) {
	api := (&fakeAPI{stream: func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, "event: probe\nid: e3\ndata: {\"id\":")
		w.(http.Flusher).Flush()
		panic(http.ErrAbortHandler) // drop the connection mid-chunk stream
	}}).start(t)
	res := run(t, t.Context(), nil, "events", "--api", api, "--follow", "--json")
	if res.code != ExitFailure || !strings.Contains(res.stderr, "/api/v1/events/stream: event stream cut: unexpected EOF") {
		t.Errorf("exit %d, stderr %q; want 2 and a cut stream", res.code, res.stderr)
	}
}

func TestEventsUsageErrors(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"bad --ip", []string{"--ip", "nope"}, `invalid --ip "nope"`},
		{"limit zero", []string{"--limit", "0"}, "--limit must be at least 1"},
		{"argument", []string{"now"}, `unexpected argument "now"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// An address nobody serves: a usage error must not get as far.
			res := run(t, t.Context(), nil, "events", append([]string{"--api", "http://127.0.0.1:1"}, tt.args...)...)
			if res.code != ExitFailure || !strings.Contains(res.stderr, tt.want) || !strings.Contains(res.stderr, "sentrypeer events -h") {
				t.Errorf("exit %d, stderr %q; want 2 and %q", res.code, res.stderr, tt.want)
			}
		})
	}
}

func TestEventFilter(t *testing.T) {
	e := apiEvent{SourceIP: "::ffff:198.51.100.9", Method: "INVITE", CalledNumber: "+44 100", CalledNumberNormalised: "44100"}
	tests := []struct {
		ip, number, method string
		want               bool
	}{
		{want: true},
		{ip: "198.51.100.9", want: true},
		{ip: "198.51.100.0/24", want: true},
		{ip: "198.51.101.0/24", want: false},
		{ip: "2001:db8::/32", want: false},
		{number: "44100", want: true},
		{number: "+44 100", want: true},
		{number: "4410", want: false},
		{method: "invite", want: true},
		{method: "OPTIONS", want: false},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("ip=%s,number=%s,method=%s", tt.ip, tt.number, tt.method), func(t *testing.T) {
			f, err := newEventFilter(tt.ip, tt.number, tt.method)
			if err != nil {
				t.Fatal(err)
			}
			if got := f.match(e); got != tt.want {
				t.Errorf("match = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestEventsFollowSilentStream(t *testing.T) {
	api := (&fakeAPI{stream: func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, ": keep-alive\n\n")
		w.(http.Flusher).Flush()
		<-r.Context().Done() // then silence: a dead connection looks like this
	}}).start(t)
	var out, errb bytes.Buffer
	r := &runner{stdout: &out, stderr: &errb, env: mapEnv(nil), timeout: time.Second, streamIdle: 100 * time.Millisecond}
	start := time.Now()
	code := r.run(t.Context(), "events", []string{"--api", api, "--follow"})
	if code != ExitFailure || !strings.Contains(errb.String(), "/api/v1/events/stream: no data on the event stream for 100ms") {
		t.Errorf("exit %d, stderr %q; want 2 and silence", code, errb.String())
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("took %v to notice 100ms of silence", d)
	}
}
