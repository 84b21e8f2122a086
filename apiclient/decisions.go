package apiclient

import (
	"bytes"
	"context"
	"encoding/json"
	"iter"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// Decision is one value every blocker acts on.
type Decision struct {
	Value     string    `json:"value"`
	Kind      string    `json:"kind"`   // ip, range or number
	Origin    string    `json:"origin"` // local, peers, trusted or manual
	Reporters int       `json:"reporters"`
	Since     time.Time `json:"since"`
	Until     time.Time `json:"until"`
	Reason    string    `json:"reason"`

	// JSON is the decision as the server sent it.
	JSON json.RawMessage `json:"-"`
}

// UnmarshalJSON decodes a decision and keeps it in JSON.
func (d *Decision) UnmarshalJSON(b []byte) error {
	type plain Decision
	if err := json.Unmarshal(b, (*plain)(d)); err != nil {
		return err
	}
	d.JSON = bytes.Clone(b)
	return nil
}

// DecisionQuery selects decisions, in value order. Zero fields select all.
type DecisionQuery struct {
	Kind     string // ip, range or number
	Origin   string // local, peers, trusted or manual
	Contains string // only values containing it
	Limit    int    // rows per page, 1..1000 (server default 100)
	// Cursor is a page's Next, for the page after it.
	Cursor string
}

func (q DecisionQuery) values() url.Values {
	v := url.Values{}
	for k, s := range map[string]string{"kind": q.Kind, "origin": q.Origin, "contains": q.Contains, "cursor": q.Cursor} {
		if s != "" {
			v.Set(k, s)
		}
	}
	if q.Limit != 0 {
		v.Set("limit", strconv.Itoa(q.Limit))
	}
	return v
}

// DecisionPage is one page of GET /api/v1/decisions.
type DecisionPage struct {
	Decisions []Decision `json:"decisions"`
	// Next is the Cursor of the next page; "" on the last.
	Next string `json:"next"`
	// JSON is the reply as the server sent it.
	JSON json.RawMessage `json:"-"`
}

// Decisions returns one page of what is blocked now.
func (c *Client) Decisions(ctx context.Context, q DecisionQuery) (*DecisionPage, error) {
	var p DecisionPage
	raw, err := c.decode(ctx, "/api/v1/decisions", q.values(), &p)
	if err != nil {
		return nil, err
	}
	p.JSON = raw
	return &p, nil
}

// AllDecisions yields every decision q selects, following the cursor from
// page to page; it stops at the first error, which it yields.
func (c *Client) AllDecisions(ctx context.Context, q DecisionQuery) iter.Seq2[Decision, error] {
	return func(yield func(Decision, error) bool) {
		for {
			p, err := c.Decisions(ctx, q)
			if err != nil {
				yield(Decision{}, err)
				return
			}
			for _, d := range p.Decisions {
				if !yield(d, nil) {
					return
				}
			}
			if p.Next == "" || p.Next == q.Cursor {
				return
			}
			q.Cursor = p.Next
		}
	}
}

// Block is a request to block a value at every blocker.
type Block struct {
	// Value is an IP address, a network in CIDR form, or a called number.
	Value string
	// For is how long (0: the daemon's --block-for; else 1s to 87600h).
	For time.Duration
	// Reason is shown with the decision (at most 256 bytes).
	Reason string
}

// Block blocks b.Value at every blocker (POST /api/v1/decisions) and lifts
// an earlier unblock of it. It needs the admin key or the API key. It is
// retried only when the server certainly did nothing (see [RetryPolicy]).
func (c *Client) Block(ctx context.Context, b Block) (*Decision, error) {
	req := struct {
		Value  string `json:"value"`
		Reason string `json:"reason"`
		For    string `json:"for,omitempty"`
	}{Value: b.Value, Reason: b.Reason}
	if b.For > 0 {
		req.For = b.For.String()
	}
	var d Decision
	if _, err := c.sendJSON(ctx, http.MethodPost, "/api/v1/decisions", req, &d); err != nil {
		return nil, err
	}
	return &d, nil
}

// Unblocked is the answer of [Client.Unblock].
type Unblocked struct {
	Value string `json:"value"`
	// Removed says whether there was a decision to remove.
	Removed bool `json:"removed"`
	// JSON is the reply as the server sent it.
	JSON json.RawMessage `json:"-"`
}

// Unblock removes value's decision from every blocker and keeps it from
// coming back on new sightings until it is blocked again
// (DELETE /api/v1/decisions/{value}). It needs the admin key or the API
// key.
func (c *Client) Unblock(ctx context.Context, value string) (*Unblocked, error) {
	var u Unblocked
	raw, err := c.sendJSON(ctx, http.MethodDelete, "/api/v1/decisions/"+url.PathEscape(value), nil, &u)
	if err != nil {
		return nil, err
	}
	u.JSON = raw
	return &u, nil
}
