package crowdsec

import (
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/sentrypeer/sentrypeer/internal/decision"
)

// step is one pull of a scenario: change the set (or the clock), then pull
// as bouncer with query and expect these values.
type step struct {
	do          func(e *env)
	bouncer     string // "" is "fw"
	query       string
	new, delete []string
}

func put(v string, o decision.Origin, in time.Duration) func(e *env) {
	return func(e *env) { e.set.put(e.t, v, o, e.clk.Now().Add(in)) }
}

func del(v string) func(e *env) { return func(e *env) { e.set.del(v) } }

func wait(d time.Duration) func(e *env) { return func(e *env) { e.clk.advance(d) } }

func all(fs ...func(e *env)) func(e *env) {
	return func(e *env) {
		for _, f := range fs {
			f(e)
		}
	}
}

func TestStream(t *testing.T) {
	base := all(put("192.0.2.1", decision.Local, 4*time.Hour), put("198.51.100.0/24", decision.Manual, time.Hour),
		put("2001:db8::1", decision.Peers, 2*time.Hour), put("0044123456", decision.Local, time.Hour))
	for _, tt := range []struct {
		name  string
		steps []step
	}{
		{"startup sends every address and range, never a number", []step{
			{do: base, query: "startup=true", new: []string{"192.0.2.1", "198.51.100.0/24", "2001:db8::1"}},
		}},
		{"nothing changed, nothing sent", []step{
			{do: base, query: "startup=true", new: []string{"192.0.2.1", "198.51.100.0/24", "2001:db8::1"}},
			{do: wait(time.Second), query: "startup=false"},
			{do: wait(time.Second), query: ""},
		}},
		{"new since the last pull", []step{
			{do: base, query: "startup=true", new: []string{"192.0.2.1", "198.51.100.0/24", "2001:db8::1"}},
			{do: put("192.0.2.2", decision.Local, time.Hour), query: "startup=false", new: []string{"192.0.2.2"}},
			{query: "startup=false"},
		}},
		{"gone since the last pull is deleted once", []step{
			{do: base, query: "startup=true", new: []string{"192.0.2.1", "198.51.100.0/24", "2001:db8::1"}},
			{do: del("192.0.2.1"), query: "startup=false", delete: []string{"192.0.2.1"}},
			{query: "startup=false"},
		}},
		{"expired is deleted", []step{
			{do: base, query: "startup=true", new: []string{"192.0.2.1", "198.51.100.0/24", "2001:db8::1"}},
			{do: wait(time.Hour), query: "startup=false", delete: []string{"198.51.100.0/24"}},
		}},
		{"extension by a minute or more is delete + new", []step{
			{do: put("192.0.2.1", decision.Local, time.Hour), query: "startup=true", new: []string{"192.0.2.1"}},
			{do: put("192.0.2.1", decision.Local, time.Hour+time.Minute), query: "", new: []string{"192.0.2.1"}, delete: []string{"192.0.2.1"}},
			{query: ""},
		}},
		{"small extensions are not resent", []step{
			{do: put("192.0.2.1", decision.Local, time.Hour), query: "startup=true", new: []string{"192.0.2.1"}},
			{do: put("192.0.2.1", decision.Local, time.Hour+30*time.Second), query: ""},
			{do: all(wait(20*time.Second), put("192.0.2.1", decision.Local, time.Hour+30*time.Second)), query: ""},
			// Now 50 s later than what was sent: still under a minute.
			{do: wait(time.Second), query: ""},
			// Moved 61 s in all: resent.
			{do: all(wait(11*time.Second), put("192.0.2.1", decision.Local, time.Hour+29*time.Second)), query: "", new: []string{"192.0.2.1"}, delete: []string{"192.0.2.1"}},
		}},
		{"a small extension is resent when the bouncer's copy is about to end", []step{
			{do: put("192.0.2.1", decision.Local, 2*time.Minute), query: "startup=true", new: []string{"192.0.2.1"}},
			{do: put("192.0.2.1", decision.Local, 2*time.Minute+10*time.Second), query: ""},
			{do: all(wait(70*time.Second), put("192.0.2.1", decision.Local, time.Minute)), query: "", new: []string{"192.0.2.1"}, delete: []string{"192.0.2.1"}},
		}},
		{"shortening is resent", []step{
			{do: put("192.0.2.1", decision.Local, time.Hour), query: "startup=true", new: []string{"192.0.2.1"}},
			{do: put("192.0.2.1", decision.Manual, 10*time.Minute), query: "", new: []string{"192.0.2.1"}, delete: []string{"192.0.2.1"}},
		}},
		{"startup=true starts over", []step{
			{do: base, query: "startup=true", new: []string{"192.0.2.1", "198.51.100.0/24", "2001:db8::1"}},
			{do: del("192.0.2.1"), query: "startup=true", new: []string{"198.51.100.0/24", "2001:db8::1"}},
			{query: ""},
		}},
		{"the first pull without startup (daemon restarted) sends everything", []step{
			{do: base, query: "startup=false", new: []string{"192.0.2.1", "198.51.100.0/24", "2001:db8::1"}},
			{do: del("2001:db8::1"), query: "", delete: []string{"2001:db8::1"}},
		}},
		{"each bouncer has its own last pull", []step{
			{do: base, query: "startup=true", new: []string{"192.0.2.1", "198.51.100.0/24", "2001:db8::1"}},
			{do: put("192.0.2.2", decision.Local, time.Hour), query: "", new: []string{"192.0.2.2"}},
			{bouncer: "nginx", query: "startup=true", new: []string{"192.0.2.1", "192.0.2.2", "198.51.100.0/24", "2001:db8::1"}},
			{do: del("192.0.2.1"), query: "", delete: []string{"192.0.2.1"}},
			{do: put("192.0.2.3", decision.Local, time.Hour), bouncer: "nginx", query: "", new: []string{"192.0.2.3"}, delete: []string{"192.0.2.1"}},
			{query: "", new: []string{"192.0.2.3"}},
		}},
		{"a decision with under a second left is not offered", []step{
			{do: put("192.0.2.1", decision.Local, 2*time.Second), query: "startup=true", new: []string{"192.0.2.1"}},
			{do: wait(1500 * time.Millisecond), query: "", delete: []string{"192.0.2.1"}},
			{do: put("192.0.2.9", decision.Local, 500*time.Millisecond), query: ""},
		}},
		{"the filter decides what the bouncer holds", []step{
			{do: base, query: "startup=true&scopes=ip", new: []string{"192.0.2.1", "2001:db8::1"}},
			{do: put("198.51.100.0/25", decision.Manual, time.Hour), query: "scopes=ip"},
			{do: put("192.0.2.5", decision.Manual, time.Hour), query: "scopes=ip", new: []string{"192.0.2.5"}},
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, "fw", "nginx")
			for i, s := range tt.steps {
				if s.do != nil {
					s.do(e)
				}
				b := cmpOr(s.bouncer, "fw")
				rep := e.pull(b, s.query)
				if got := values(rep.New); !slices.Equal(got, sorted(s.new)) {
					t.Errorf("step %d (%s %q): new %v, want %v", i, b, s.query, got, s.new)
				}
				if got := values(rep.Deleted); !slices.Equal(got, sorted(s.delete)) {
					t.Errorf("step %d (%s %q): deleted %v, want %v", i, b, s.query, got, s.delete)
				}
			}
		})
	}
}

func cmpOr(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

func sorted(ss []string) []string {
	out := append([]string{}, ss...)
	slices.Sort(out)
	return out
}

// TestExtensionWire checks the delete + new pair: the delete names what
// the bouncer holds (old id, old origin), the new one the decision now.
func TestExtensionWire(t *testing.T) {
	e := newEnv(t, "fw")
	e.set.put(t, "192.0.2.1", decision.Local, e.clk.Now().Add(time.Hour))
	first := e.pull("fw", "startup=true").New[0]
	e.set.put(t, "192.0.2.1", decision.Manual, e.clk.Now().Add(3*time.Hour))
	rep := e.pull("fw", "")
	if len(rep.Deleted) != 1 || len(rep.New) != 1 {
		t.Fatalf("got %+v", rep)
	}
	d, n := rep.Deleted[0], rep.New[0]
	if d.ID != first.ID || d.Origin != "local" || d.Scenario != "sentrypeer/sip-probe-local" || d.Duration != "1h0m0s" {
		t.Errorf("deleted %+v, want what was sent: %+v", d, first)
	}
	if n.ID == first.ID || n.Origin != "manual" || n.Scenario != "sentrypeer/sip-probe-manual" || n.Duration != "3h0m0s" {
		t.Errorf("new %+v", n)
	}
}

func TestStreamFilters(t *testing.T) {
	e := newEnv(t, "fw")
	e.set.put(t, "192.0.2.1", decision.Local, e.clk.Now().Add(time.Hour))
	e.set.put(t, "192.0.2.2", decision.Peers, e.clk.Now().Add(time.Hour))
	e.set.put(t, "2001:db8::3", decision.Trusted, e.clk.Now().Add(time.Hour))
	e.set.put(t, "198.51.100.0/24", decision.Manual, e.clk.Now().Add(time.Hour))
	e.set.put(t, "0044123456", decision.Manual, e.clk.Now().Add(time.Hour))
	everything := []string{"192.0.2.1", "192.0.2.2", "198.51.100.0/24", "2001:db8::3"}
	for _, tt := range []struct {
		query string
		want  []string
	}{
		{"", everything},
		{"scopes=ip", []string{"192.0.2.1", "192.0.2.2", "2001:db8::3"}},
		{"scopes=Range", []string{"198.51.100.0/24"}},
		{"scopes=IP,RANGE", everything},
		{"scopes=ip,country", []string{"192.0.2.1", "192.0.2.2", "2001:db8::3"}},
		{"scopes=country", nil},
		{"scopes=", nil},
		{"origins=manual", []string{"198.51.100.0/24"}},
		{"origins=local,peers", []string{"192.0.2.1", "192.0.2.2"}},
		{"origins=crowdsec,cscli", nil},
		{"origins=Manual", nil}, // LAPI matches origins exactly
		{"scenarios_containing=sentrypeer", everything},
		{"scenarios_containing=PROBE-MANUAL", []string{"198.51.100.0/24"}},
		{"scenarios_containing=trusted,local", []string{"192.0.2.1", "2001:db8::3"}},
		{"scenarios_not_containing=peers,trusted", []string{"192.0.2.1", "198.51.100.0/24"}},
		{"scenarios_containing=sentrypeer&scenarios_not_containing=manual&scopes=ip&origins=local,trusted", []string{"192.0.2.1", "2001:db8::3"}},
		{"type=ban", everything},
		{"type=captcha", nil},
		{"unknown=1", everything},
	} {
		t.Run(tt.query, func(t *testing.T) {
			rep := e.pull("fw", "startup=true&"+tt.query)
			if got := values(rep.New); !slices.Equal(got, sorted(tt.want)) {
				t.Errorf("new %v, want %v", got, tt.want)
			}
		})
	}
}

// TestWireShape compares a decision's fields with CrowdSec's own example
// (testdata/example-stream-startup.json, as LAPI sends it).
func TestWireShape(t *testing.T) {
	e := newEnv(t, "fw")
	e.set.put(t, "192.0.2.55", decision.Local, e.clk.Now().Add(4*time.Hour))
	e.set.put(t, "198.51.100.0/24", decision.Manual, e.clk.Now().Add(90*time.Minute+500*time.Millisecond))
	w := e.do("GET", "/v1/decisions/stream?startup=true", e.keys["fw"])
	var got struct {
		New     []map[string]any `json:"new"`
		Deleted []map[string]any `json:"deleted"`
	}
	if err := json.Unmarshal(w.Body.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile("testdata/example-stream-startup.json")
	if err != nil {
		t.Fatal(err)
	}
	var want struct {
		New []map[string]any `json:"new"`
	}
	if err := json.Unmarshal(b, &want); err != nil {
		t.Fatal(err)
	}
	if len(got.New) != 2 || got.Deleted == nil || len(got.Deleted) != 0 {
		t.Fatalf("got %s", w.Body)
	}
	for k, v := range want.New[0] {
		g, ok := got.New[0][k]
		if !ok {
			t.Errorf("field %q missing", k)
			continue
		}
		if _, same := g.(float64); same != isNumber(v) {
			t.Errorf("field %q: %T, CrowdSec sends %T", k, g, v)
		}
	}
	for k := range got.New[0] {
		if _, ok := want.New[0][k]; !ok {
			t.Errorf("field %q is not in CrowdSec's example", k)
		}
	}
	ip, rng := got.New[0], got.New[1]
	for _, c := range []struct {
		field string
		got   any
		want  any
	}{
		{"origin", ip["origin"], "local"}, {"type", ip["type"], "ban"}, {"scope", ip["scope"], "Ip"},
		{"value", ip["value"], "192.0.2.55"}, {"duration", ip["duration"], "4h0m0s"},
		{"until", ip["until"], "2026-11-27T16:00:00Z"}, {"scenario", ip["scenario"], "sentrypeer/sip-probe-local"},
		{"simulated", ip["simulated"], false},
		{"range scope", rng["scope"], "Range"}, {"range value", rng["value"], "198.51.100.0/24"},
		{"range origin", rng["origin"], "manual"}, {"range duration", rng["duration"], "1h30m0.5s"},
	} {
		if c.got != c.want {
			t.Errorf("%s = %v, want %v", c.field, c.got, c.want)
		}
	}
	if id, _ := ip["id"].(float64); id < 1 || id >= 1<<53 || id != float64(int64(id)) {
		t.Errorf("id %v, want a positive integer under 2^53", ip["id"])
	}
	if ct := w.Header().Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("Content-Type %q", ct)
	}
}

func isNumber(v any) bool { _, ok := v.(float64); return ok }

func BenchmarkStreamStartup10k(b *testing.B) {
	e := newEnv(b, "fw")
	for i := range 10_000 {
		e.set.put(b, fmt.Sprintf("10.0.%d.%d", i/256, i%256), decision.Peers, e.clk.Now().Add(time.Hour))
	}
	b.ReportAllocs()
	for b.Loop() {
		if w := e.do("GET", "/v1/decisions/stream?startup=true", e.keys["fw"]); w.Code != 200 {
			b.Fatal(w.Code)
		}
	}
}

func BenchmarkStreamDelta10k(b *testing.B) {
	e := newEnv(b, "fw")
	for i := range 10_000 {
		e.set.put(b, fmt.Sprintf("10.0.%d.%d", i/256, i%256), decision.Peers, e.clk.Now().Add(time.Hour))
	}
	e.do("GET", "/v1/decisions/stream?startup=true", e.keys["fw"])
	b.ReportAllocs()
	for b.Loop() {
		if w := e.do("GET", "/v1/decisions/stream", e.keys["fw"]); w.Code != 200 {
			b.Fatal(w.Code)
		}
	}
}
