//go:build !lite

package httpapi

import (
	"net/http"
	"time"

	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/multiformats/go-multiaddr"

	"github.com/sentrypeer/sentrypeer/internal/p2p"
)

// Peers describes the peer-to-peer node; *p2p.Node is one.
type Peers interface {
	ID() peer.ID
	Addrs() []multiaddr.Multiaddr
	Peers() []p2p.PeerInfo
}

type peerJSON struct {
	PeerID          string    `json:"peer_id"`
	Addrs           []string  `json:"addrs"`
	ConnectedSince  time.Time `json:"connected_since"`
	RecordsReceived uint64    `json:"records_received"`
	Score           *float64  `json:"score,omitempty"`
	Trusted         bool      `json:"trusted"`
	// History is the p2p.HistoryState; the refusal fields come with
	// "refused" only.
	History              string     `json:"history"`
	HistoryRefusedReason string     `json:"history_refused_reason,omitempty"`
	HistoryRefusedAt     *time.Time `json:"history_refused_at,omitempty"`
}

type peersBody struct {
	Sharing bool       `json:"sharing"`
	PeerID  string     `json:"peer_id,omitempty"`
	Addrs   []string   `json:"addrs"`
	Peers   []peerJSON `json:"peers"`
}

func strs(ms []multiaddr.Multiaddr) []string {
	out := make([]string, len(ms))
	for i, m := range ms {
		out[i] = m.String()
	}
	return out
}

// peers answers /api/v1/peers: this node's peer ID and addresses, and the
// peers connected now. A node that does not share says so.
func (a *api) peers(w http.ResponseWriter, r *http.Request) {
	if len(r.URL.Query()) > 0 {
		badParam(w, firstKey(r), "unknown parameter")
		return
	}
	if a.cfg.Peers == nil {
		writeJSON(w, http.StatusOK, peersBody{Addrs: []string{}, Peers: []peerJSON{}})
		return
	}
	body := peersBody{Sharing: true, PeerID: a.cfg.Peers.ID().String(), Addrs: strs(a.cfg.Peers.Addrs()), Peers: []peerJSON{}}
	for _, p := range a.cfg.Peers.Peers() {
		pj := peerJSON{PeerID: p.ID.String(), Addrs: strs(p.Addrs), ConnectedSince: p.Since.UTC(), RecordsReceived: p.Received, Trusted: p.Trusted}
		if p.HasScore {
			score := p.Score
			pj.Score = &score
		}
		pj.History = string(p.History)
		if pj.History == "" {
			pj.History = string(p2p.HistoryNone) // a Peers that does not say
		}
		if p.History == p2p.HistoryRefused {
			at := p.HistoryRefusedAt.UTC()
			pj.HistoryRefusedReason, pj.HistoryRefusedAt = p.HistoryRefusedReason, &at
		}
		body.Peers = append(body.Peers, pj)
	}
	writeJSON(w, http.StatusOK, body)
}
