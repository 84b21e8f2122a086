package apiclient

import (
	"context"
	"encoding/json"
	"net/netip"
	"net/url"
	"time"
)

// Check is the answer of GET /api/v1/check/ip/{ip} and
// /api/v1/check/number/{number}: whether the value is a known bad actor,
// and when it is, what is known.
type Check struct {
	IP     string `json:"ip,omitempty"`     // set by CheckIP
	Number string `json:"number,omitempty"` // set by CheckNumber, normalised
	Bad    bool   `json:"bad"`
	// The fields below are set only when Bad is.
	FirstSeen time.Time `json:"first_seen,omitzero"`
	LastSeen  time.Time `json:"last_seen,omitzero"`
	Count     int64     `json:"count,omitempty"`
	Sources   []string  `json:"sources,omitempty"`
	// Reporters is how many peers reported it.
	Reporters int `json:"reporters,omitempty"`
	// Enforce is whether the blockers act on it: seen here, or reported by
	// enough peers.
	Enforce bool `json:"enforce,omitempty"`

	// JSON is the reply as the server sent it.
	JSON json.RawMessage `json:"-"`
}

// CheckIP asks whether ip is a known bad actor. A zone is dropped: the
// list holds none.
func (c *Client) CheckIP(ctx context.Context, ip netip.Addr) (*Check, error) {
	return c.check(ctx, "/api/v1/check/ip/"+url.PathEscape(ip.WithZone("").String()))
}

// CheckNumber asks whether number was called by a bad actor. The server
// normalises it (digits and letters only).
func (c *Client) CheckNumber(ctx context.Context, number string) (*Check, error) {
	return c.check(ctx, "/api/v1/check/number/"+url.PathEscape(number))
}

func (c *Client) check(ctx context.Context, path string) (*Check, error) {
	var ch Check
	raw, err := c.decode(ctx, path, nil, &ch)
	if err != nil {
		return nil, err
	}
	ch.JSON = raw
	return &ch, nil
}
