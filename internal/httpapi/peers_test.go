//go:build !lite

package httpapi

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/multiformats/go-multiaddr"

	"github.com/sentrypeer/sentrypeer/internal/p2p"
)

// onePeer is a Peers with one connected peer.
type onePeer struct{ p p2p.PeerInfo }

func (onePeer) ID() peer.ID                          { return fakePeers{}.ID() }
func (onePeer) Addrs() []multiaddr.Multiaddr         { return nil }
func (o onePeer) Peers() []p2p.PeerInfo              { return []p2p.PeerInfo{o.p} }
func (o onePeer) with(f func(*p2p.PeerInfo)) onePeer { f(&o.p); return o }

func TestPeersHistory(t *testing.T) {
	at := time.Date(2026, 11, 27, 1, 2, 3, 0, time.FixedZone("CET", 3600))
	base := onePeer{p2p.PeerInfo{ID: peer.ID("a"), Since: at}}
	tests := []struct {
		name string
		in   onePeer
		want map[string]any // fields of the peer; nil: absent
	}{
		{"received", base.with(func(p *p2p.PeerInfo) { p.History = p2p.HistoryReceived }),
			map[string]any{"history": "received", "history_refused_reason": nil, "history_refused_at": nil}},
		{"refused", base.with(func(p *p2p.PeerInfo) {
			p.History, p.HistoryRefusedReason, p.HistoryRefusedAt = p2p.HistoryRefused, "this node has not shared a record yet", at
		}), map[string]any{"history": "refused", "history_refused_reason": "this node has not shared a record yet", "history_refused_at": "2026-11-27T00:02:03Z"}},
		{"pending", base.with(func(p *p2p.PeerInfo) { p.History = p2p.HistoryPending }),
			map[string]any{"history": "pending", "history_refused_at": nil}},
		{"refusal fields only with refused", base.with(func(p *p2p.PeerInfo) {
			p.History, p.HistoryRefusedReason, p.HistoryRefusedAt = p2p.HistoryReceived, "stale", at
		}), map[string]any{"history": "received", "history_refused_reason": nil, "history_refused_at": nil}},
		{"unset is none", base, map[string]any{"history": "none"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(New(Config{Peers: tt.in}))
			defer srv.Close()
			resp, err := http.Get(srv.URL + "/api/v1/peers")
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var body struct{ Peers []map[string]any }
			if err := json.NewDecoder(resp.Body).Decode(&body); err != nil || len(body.Peers) != 1 {
				t.Fatalf("answer %d: %v, %d peers", resp.StatusCode, err, len(body.Peers))
			}
			for k, want := range tt.want {
				got, ok := body.Peers[0][k]
				if want == nil && ok {
					t.Errorf("%s = %v, want it absent", k, got)
				}
				if want != nil && got != want {
					t.Errorf("%s = %v, want %v", k, got, want)
				}
			}
		})
	}
}
