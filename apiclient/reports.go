package apiclient

import (
	"context"
	"encoding/json"
	"net/netip"
	"net/url"
	"strconv"
	"time"
)

// Reports is the answer of GET /api/v1/reports/ip/{ip}: what peers
// reported about an IP address, the most recently seen first.
type Reports struct {
	IPAddress string   `json:"ip_address"`
	Reports   []Report `json:"reports"`
	// JSON is the reply as the server sent it.
	JSON json.RawMessage `json:"-"`
}

// Report is one peer's report.
type Report struct {
	Reporter     string    `json:"reporter"` // the reporting node's peer ID
	Via          string    `json:"via"`      // the peer it came through
	Received     time.Time `json:"received"`
	FirstSeen    time.Time `json:"first_seen"`
	LastSeen     time.Time `json:"last_seen"`
	Count        int64     `json:"count"`
	CalledNumber string    `json:"called_number"`
	Method       string    `json:"method"`
	UserAgent    string    `json:"user_agent"`
	Transport    string    `json:"transport"`
	// Destination (the honeypot's address) and Raw (the SIP message) are
	// set when the reporter's operator shares them.
	Destination string `json:"destination,omitempty"`
	Raw         string `json:"raw,omitempty"`
}

// Reports returns at most limit (1..1000; 0 for the server's default)
// reports about ip.
func (c *Client) Reports(ctx context.Context, ip netip.Addr, limit int) (*Reports, error) {
	var q url.Values
	if limit != 0 {
		q = url.Values{"limit": {strconv.Itoa(limit)}}
	}
	var r Reports
	raw, err := c.decode(ctx, "/api/v1/reports/ip/"+url.PathEscape(ip.WithZone("").String()), q, &r)
	if err != nil {
		return nil, err
	}
	r.JSON = raw
	return &r, nil
}
