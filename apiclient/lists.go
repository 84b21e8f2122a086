package apiclient

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"iter"
	"net/url"
	"strconv"
	"time"
)

// Aggregate is one row of GET /api/v1/ip-addresses or /api/v1/numbers:
// what is known of one IP address or called number.
type Aggregate struct {
	IP         string    `json:"ip,omitempty"`     // rows of IPs
	Number     string    `json:"number,omitempty"` // rows of Numbers
	FirstSeen  time.Time `json:"first_seen"`
	LastSeen   time.Time `json:"last_seen"`
	Count      int64     `json:"count"`
	Methods    []string  `json:"methods"`
	UserAgents []string  `json:"user_agents"`
	Sources    []string  `json:"sources"`
	Reporters  int       `json:"reporters"`
	Enforce    bool      `json:"enforce"`

	// JSON is the row as the server sent it, fields unknown here included.
	JSON json.RawMessage `json:"-"`
}

// UnmarshalJSON decodes a row and keeps it in JSON.
func (a *Aggregate) UnmarshalJSON(b []byte) error {
	type plain Aggregate
	if err := json.Unmarshal(b, (*plain)(a)); err != nil {
		return err
	}
	a.JSON = bytes.Clone(b)
	return nil
}

// ListQuery selects a page of IPs or Numbers. Zero fields are left to the
// server's defaults.
type ListQuery struct {
	Sort   string // last_seen (the server's default), first_seen, count, ip or number
	Order  string // desc (default) or asc
	Limit  int    // rows per page, 1..1000 (server default 100)
	Offset int    // rows to skip
}

func (q ListQuery) values() url.Values {
	v := url.Values{}
	if q.Limit != 0 {
		v.Set("limit", strconv.Itoa(q.Limit))
	}
	if q.Offset != 0 {
		v.Set("offset", strconv.Itoa(q.Offset))
	}
	if q.Sort != "" {
		v.Set("sort", q.Sort)
	}
	if q.Order != "" {
		v.Set("order", q.Order)
	}
	return v
}

// ListPage is one page of IPs or Numbers.
type ListPage struct {
	Total int         // rows in the whole list
	Rows  []Aggregate // this page's
	// NextOffset is the Offset of the next page; nil on the last page.
	NextOffset *int
	// JSON is the reply as the server sent it.
	JSON json.RawMessage
}

// IPs returns a page of the IP addresses of bad actors
// (GET /api/v1/ip-addresses).
func (c *Client) IPs(ctx context.Context, q ListQuery) (*ListPage, error) {
	return c.listPage(ctx, "/api/v1/ip-addresses", q)
}

// Numbers returns a page of the numbers bad actors called
// (GET /api/v1/numbers).
func (c *Client) Numbers(ctx context.Context, q ListQuery) (*ListPage, error) {
	return c.listPage(ctx, "/api/v1/numbers", q)
}

// AllIPs yields every row of IPs from q.Offset on, fetching page after
// page; it stops at the first error, which it yields.
func (c *Client) AllIPs(ctx context.Context, q ListQuery) iter.Seq2[Aggregate, error] {
	return c.allRows(ctx, "/api/v1/ip-addresses", q)
}

// AllNumbers is [Client.AllIPs] for Numbers.
func (c *Client) AllNumbers(ctx context.Context, q ListQuery) iter.Seq2[Aggregate, error] {
	return c.allRows(ctx, "/api/v1/numbers", q)
}

func (c *Client) listPage(ctx context.Context, path string, q ListQuery) (*ListPage, error) {
	var reply struct {
		Total      int         `json:"total"`
		IPs        []Aggregate `json:"ip_addresses"`
		Numbers    []Aggregate `json:"numbers"`
		NextOffset *int        `json:"next_offset"`
	}
	raw, err := c.decode(ctx, path, q.values(), &reply)
	if err != nil {
		return nil, err
	}
	p := &ListPage{Total: reply.Total, Rows: reply.IPs, NextOffset: reply.NextOffset, JSON: raw}
	if p.Rows == nil {
		p.Rows = reply.Numbers
	}
	return p, nil
}

func (c *Client) allRows(ctx context.Context, path string, q ListQuery) iter.Seq2[Aggregate, error] {
	return func(yield func(Aggregate, error) bool) {
		for {
			p, err := c.listPage(ctx, path, q)
			if err != nil {
				yield(Aggregate{}, err)
				return
			}
			for _, r := range p.Rows {
				if !yield(r, nil) {
					return
				}
			}
			if p.NextOffset == nil {
				return
			}
			// A next_offset that does not move forward would loop forever.
			if *p.NextOffset <= q.Offset {
				yield(Aggregate{}, fmt.Errorf("GET %s: next_offset %d does not follow offset %d", (&request{path: path, query: q.values()}).url(c), *p.NextOffset, q.Offset))
				return
			}
			q.Offset = *p.NextOffset
		}
	}
}
