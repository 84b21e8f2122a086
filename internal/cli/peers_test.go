//go:build !lite

package cli

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// peersAPI serves body as /api/v1/peers until the test ends.
func peersAPI(t *testing.T, body map[string]any) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/api/v1/peers" {
			http.NotFound(w, r)
			return
		}
		writeJSON(w, 200, body)
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

func TestPeers(t *testing.T) {
	score := 1.5
	sharing := map[string]any{
		"sharing": true, "peer_id": "12D3KooWself", "addrs": []string{"/ip4/192.0.2.1/tcp/4001/p2p/12D3KooWself"},
		"peers": []map[string]any{
			{"peer_id": "12D3KooWgiver", "addrs": []string{"/ip4/192.0.2.2/tcp/4001"}, "connected_since": "2026-11-27T00:00:00Z",
				"records_received": 7, "score": score, "trusted": false, "history": "received"},
			{"peer_id": "12D3KooWrefuser", "addrs": []string{"/ip4/192.0.2.3/tcp/4001"}, "connected_since": "2026-11-27T00:00:01Z",
				"records_received": 0, "trusted": false, "history": "refused",
				"history_refused_reason": "this node has not shared a record yet\x1b[31m", "history_refused_at": "2026-11-27T00:00:02.5Z"},
			{"peer_id": "12D3KooWquiet", "addrs": []string{}, "connected_since": "2026-11-27T00:00:03Z",
				"records_received": 0, "trusted": true, "history": "pending"},
		},
	}
	tests := []struct {
		name    string
		body    map[string]any
		args    []string
		want    []string // substrings of stdout
		notWant []string
	}{
		{name: "table", body: sharing,
			want: []string{
				"PEER ID  12D3KooWself", "HISTORY", "received", "pending",
				"12D3KooWrefuser refused history at 2026-11-27T00:00:02Z: this node has not shared a record yet\\x1b[31m",
			},
			notWant: []string{"\x1b", "12D3KooWgiver refused", "12D3KooWquiet refused"}},
		{name: "json", body: sharing, args: []string{"--json"},
			want:    []string{`"history": "refused"`, `"history_refused_reason": "this node has not shared a record yet\u001b[31m"`, `"history_refused_at": "2026-11-27T00:00:02.5Z"`},
			notWant: []string{"\x1b"}},
		{name: "nobody refused", body: map[string]any{"sharing": true, "peer_id": "12D3KooWself", "addrs": []string{}, "peers": []map[string]any{
			{"peer_id": "12D3KooWgiver", "addrs": []string{}, "connected_since": "2026-11-27T00:00:00Z", "records_received": 1, "trusted": false, "history": "received"},
		}}, want: []string{"1 peers connected", "received"}, notWant: []string{"refused history"}},
		{name: "sharing off", body: map[string]any{"sharing": false, "addrs": []string{}, "peers": []map[string]any{}},
			want: []string{"sharing is off"}, notWant: []string{"HISTORY"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := run(t, t.Context(), nil, "peers", append([]string{"--api", peersAPI(t, tt.body)}, tt.args...)...)
			if res.code != ExitOK {
				t.Fatalf("exit %d; stderr %q", res.code, res.stderr)
			}
			for _, w := range tt.want {
				if !strings.Contains(res.stdout, w) {
					t.Errorf("stdout lacks %q:\n%s", w, res.stdout)
				}
			}
			for _, w := range tt.notWant {
				if strings.Contains(res.stdout, w) {
					t.Errorf("stdout has %q:\n%s", w, res.stdout)
				}
			}
		})
	}
}
