package crowdsec

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/sentrypeer/sentrypeer/internal/decision"
)

func TestLive(t *testing.T) {
	e := newEnv(t, "nginx")
	now := e.clk.Now()
	e.set.put(t, "192.0.2.1", decision.Local, now.Add(time.Hour))
	e.set.put(t, "198.51.100.0/24", decision.Manual, now.Add(time.Hour))
	e.set.put(t, "198.51.100.9", decision.Peers, now.Add(time.Hour))
	e.set.put(t, "2001:db8:1::/48", decision.Trusted, now.Add(time.Hour))
	e.set.put(t, "0044123456", decision.Local, now.Add(time.Hour))
	e.set.put(t, "192.0.2.200", decision.Local, now.Add(500*time.Millisecond)) // about to end
	for _, tt := range []struct {
		name, query string
		code        int
		want        []string // nil: the body is null
		message     string
	}{
		{"blocked address", "ip=192.0.2.1", 200, []string{"192.0.2.1"}, ""},
		{"address not blocked: null", "ip=192.0.2.2", 200, nil, ""},
		{"address inside a Range decision", "ip=198.51.100.7", 200, []string{"198.51.100.0/24"}, ""},
		{"address with its own decision inside a range", "ip=198.51.100.9", 200, []string{"198.51.100.0/24", "198.51.100.9"}, ""},
		{"IPv6 inside a range", "ip=2001:db8:1:2::5", 200, []string{"2001:db8:1::/48"}, ""},
		{"IPv6 outside", "ip=2001:db8:2::5", 200, nil, ""},
		{"IPv4-mapped IPv6 is the IPv4 address", "ip=::ffff:192.0.2.1", 200, []string{"192.0.2.1"}, ""},
		{"an IPv4 address never matches an IPv6 range", "ip=0.0.0.1", 200, nil, ""},
		{"range held by a decision", "range=198.51.100.128/25", 200, []string{"198.51.100.0/24"}, ""},
		{"range wider than any decision", "range=198.51.0.0/16", 200, nil, ""},
		{"decisions inside a range (contains=false)", "range=198.51.0.0/16&contains=false", 200, []string{"198.51.100.0/24", "198.51.100.9"}, ""},
		{"scope filter", "ip=198.51.100.9&scopes=ip", 200, []string{"198.51.100.9"}, ""},
		{"origin filter", "ip=198.51.100.9&origins=manual", 200, []string{"198.51.100.0/24"}, ""},
		{"no filter: every address and range", "", 200, []string{"192.0.2.1", "198.51.100.0/24", "198.51.100.9", "2001:db8:1::/48"}, ""},
		{"a number is never served", "value=0044123456", 200, nil, ""},
		{"a decision about to end is not served", "ip=192.0.2.200", 200, nil, ""},
		{"bad address", "ip=192.0.2.x", 400, nil, "unable to convert '192.0.2.x' to int"},
		{"bad range", "range=192.0.2.0/33", 400, nil, "unable to convert"},
		{"bad contains", "ip=192.0.2.1&contains=maybe", 400, nil, "invalid contains value"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			w := e.do("GET", "/v1/decisions?"+tt.query, e.keys["nginx"])
			if w.Code != tt.code {
				t.Fatalf("%d %s, want %d", w.Code, w.Body, tt.code)
			}
			if tt.code != 200 {
				var m message
				if err := json.Unmarshal(w.Body.Bytes(), &m); err != nil || !strings.Contains(m.Message, tt.message) {
					t.Errorf("body %s, want a message with %q", w.Body, tt.message)
				}
				return
			}
			if tt.want == nil {
				if w.Body.String() != "null" {
					t.Errorf("body %s, want null as LAPI sends", w.Body)
				}
				return
			}
			var got []wireDecision
			if err := json.Unmarshal(w.Body.Bytes(), &got); err != nil {
				t.Fatal(err)
			}
			if vs := values(got); !slices.Equal(vs, sorted(tt.want)) {
				t.Errorf("got %v, want %v", vs, tt.want)
			}
			for _, d := range got {
				if d.Type != "ban" || d.Duration != "1h0m0s" || (d.Scope != "Ip" && d.Scope != "Range") {
					t.Errorf("decision %+v", d)
				}
			}
		})
	}
	t.Run("HEAD", func(t *testing.T) {
		if w := e.do("HEAD", "/v1/decisions?ip=192.0.2.1", e.keys["nginx"]); w.Code != 200 || w.Body.Len() != 0 {
			t.Errorf("%d %q", w.Code, w.Body)
		}
	})
	t.Run("live lookups leave the stream state alone", func(t *testing.T) {
		rep := e.pull("nginx", "")
		if len(rep.New) != 4 {
			t.Errorf("first stream pull after live lookups: %d new, want all 4", len(rep.New))
		}
	})
}
