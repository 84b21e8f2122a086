package apiclient

import (
	"context"
	"encoding/json"
	"net/url"
	"strconv"
	"time"
)

// Stats is the answer of GET /api/v1/stats: totals, top values and probes
// per hour.
type Stats struct {
	EventsTotal       int64        `json:"events_total"`
	IPAddressesTotal  int          `json:"ip_addresses_total"`
	NumbersTotal      int          `json:"numbers_total"`
	UserAgentsTotal   int          `json:"user_agents_total"`
	FirstEvent        time.Time    `json:"first_event,omitzero"`
	LastEvent         time.Time    `json:"last_event,omitzero"`
	WindowHours       int          `json:"window_hours"`
	Ready             bool         `json:"ready"`
	TopIPAddresses    []ValueCount `json:"top_ip_addresses"`
	TopNumbers        []ValueCount `json:"top_numbers"`
	TopUserAgents     []ValueCount `json:"top_user_agents"`
	Methods           []ValueCount `json:"methods"`
	TopNumberPrefixes []ValueCount `json:"top_number_prefixes"`
	EventsPerHour     []HourCount  `json:"events_per_hour"`
	// JSON is the reply as the server sent it.
	JSON json.RawMessage `json:"-"`
}

// ValueCount is a value and how often it was seen.
type ValueCount struct {
	Value string `json:"value"`
	Count int64  `json:"count"`
}

// HourCount is how many probes an hour saw.
type HourCount struct {
	Hour  time.Time `json:"hour"`
	Count int64     `json:"count"`
}

// Stats returns the totals and the top values, top of each (1..100; 0 for
// the server's default, 10).
func (c *Client) Stats(ctx context.Context, top int) (*Stats, error) {
	var q url.Values
	if top != 0 {
		q = url.Values{"top": {strconv.Itoa(top)}}
	}
	var s Stats
	raw, err := c.decode(ctx, "/api/v1/stats", q, &s)
	if err != nil {
		return nil, err
	}
	s.JSON = raw
	return &s, nil
}

// Health is the answer of GET /health-check.
type Health struct {
	Status  string `json:"status"` // OK
	Message string `json:"message"`
	Version string `json:"version"`
}

// Health asks whether the daemon is up, and its version.
func (c *Client) Health(ctx context.Context) (*Health, error) {
	var h Health
	if _, err := c.decode(ctx, "/health-check", nil, &h); err != nil {
		return nil, err
	}
	return &h, nil
}
