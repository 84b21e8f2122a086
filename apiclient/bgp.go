package apiclient

import (
	"context"
	"encoding/json"
)

// BGP is the answer of GET /api/v1/bgp: the blackhole speaker's state.
type BGP struct {
	ASN       uint32        `json:"asn"`
	RouterID  string        `json:"router_id"`
	Running   bool          `json:"running"`
	Announced int           `json:"announced"` // routes announced
	Neighbors []BGPNeighbor `json:"neighbors"`
	// JSON is the reply as the server sent it.
	JSON json.RawMessage `json:"-"`
}

// BGPNeighbor is one configured BGP neighbour and its session.
type BGPNeighbor struct {
	Addr          string `json:"addr"`
	Port          uint16 `json:"port"`
	ASN           uint32 `json:"asn"`
	State         string `json:"state"`
	UptimeSeconds int64  `json:"uptime_seconds"`
	Advertised    uint64 `json:"advertised"`
	Received      uint64 `json:"received"`
	Accepted      uint64 `json:"accepted"`
	LastDown      string `json:"last_down,omitempty"`
}

// BGP returns the speaker's neighbours and routes. A daemon that runs no
// speaker answers 404: test the error with [IsNotFound].
func (c *Client) BGP(ctx context.Context) (*BGP, error) {
	var b BGP
	raw, err := c.decode(ctx, "/api/v1/bgp", nil, &b)
	if err != nil {
		return nil, err
	}
	b.JSON = raw
	return &b, nil
}
