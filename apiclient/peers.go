package apiclient

import (
	"context"
	"encoding/json"
	"time"
)

// Peers is the answer of GET /api/v1/peers: this node's identity on the
// peer-to-peer network, and its peers.
type Peers struct {
	// Sharing is false when the node neither shares nor receives records.
	Sharing bool     `json:"sharing"`
	PeerID  string   `json:"peer_id"`
	Addrs   []string `json:"addrs"`
	Peers   []Peer   `json:"peers"`
	// JSON is the reply as the server sent it.
	JSON json.RawMessage `json:"-"`
}

// Peer is one connected peer.
type Peer struct {
	PeerID          string    `json:"peer_id"`
	Addrs           []string  `json:"addrs"`
	ConnectedSince  time.Time `json:"connected_since"`
	RecordsReceived uint64    `json:"records_received"`
	Score           *float64  `json:"score,omitempty"`
	Trusted         bool      `json:"trusted"`
	// History is received, refused, pending or none: whether the peer
	// served this node the records it held from before.
	History              string    `json:"history"`
	HistoryRefusedReason string    `json:"history_refused_reason,omitempty"`
	HistoryRefusedAt     time.Time `json:"history_refused_at,omitzero"`
}

// Peers returns this node's peer ID, addresses and peers.
func (c *Client) Peers(ctx context.Context) (*Peers, error) {
	var p Peers
	raw, err := c.decode(ctx, "/api/v1/peers", nil, &p)
	if err != nil {
		return nil, err
	}
	p.JSON = raw
	return &p, nil
}
