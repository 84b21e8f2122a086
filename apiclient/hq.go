package apiclient

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"iter"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
)

// HQLookup is the answer of an HQ-compatible lookup
// (GET /api/ip-addresses/{ip}, /api/phone-numbers/{number}), the API of
// SentryPeerHQ that tools written for it (CGRateS's *sentrypeer filter)
// call.
type HQLookup struct {
	// Found says whether the value is a decision, blocked at every
	// blocker: a 2xx reply. A 404 reply says it is not.
	Found bool `json:"-"`
	// Message is the server's: "IP Address found.", "Phone Number not
	// found." and the like.
	Message     string `json:"message"`
	IPAddress   string `json:"ip_address,omitempty"`
	PhoneNumber string `json:"phone_number,omitempty"` // normalised
	// Decision is the decision found (for an IP address, maybe the
	// network holding it).
	Decision *Decision `json:"decision,omitempty"`
	// JSON is the reply as the server sent it.
	JSON json.RawMessage `json:"-"`
}

// HQIPAddress looks ip up the HQ way.
func (c *Client) HQIPAddress(ctx context.Context, ip netip.Addr) (*HQLookup, error) {
	return c.hqLookup(ctx, "/api/ip-addresses/"+url.PathEscape(ip.WithZone("").String()))
}

// HQPhoneNumber looks number up the HQ way.
func (c *Client) HQPhoneNumber(ctx context.Context, number string) (*HQLookup, error) {
	return c.hqLookup(ctx, "/api/phone-numbers/"+url.PathEscape(number))
}

func (c *Client) hqLookup(ctx context.Context, path string) (*HQLookup, error) {
	rq := &request{method: http.MethodGet, path: path, accept: "application/json", ok: []int{http.StatusNotFound}}
	resp, err := c.do(ctx, rq)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxReply))
	if err != nil {
		return nil, fmt.Errorf("GET %s: reading reply: %w", rq.url(c), err)
	}
	var l HQLookup
	if resp.StatusCode != http.StatusNotFound {
		if err := c.unmarshal(rq, b, &l); err != nil {
			return nil, err
		}
		l.Found = true
	} else if json.Unmarshal(b, &l) != nil {
		// A 404 from something else than the API (a proxy): not found
		// all the same.
		l = HQLookup{}
	}
	if json.Valid(b) {
		l.JSON = b
	}
	return &l, nil
}

// HQListQuery selects a page of an HQ-compatible list.
type HQListQuery struct {
	Limit int // decisions per page, 1..1000 (server default 100)
	// Cursor is a page's Next, for the page after it.
	Cursor string
}

// HQPage is a page of an HQ-compatible list: decisions in value order.
type HQPage struct {
	Data []Decision `json:"data"`
	// Next is the Cursor of the next page; "" on the last.
	Next string `json:"next"`
	// JSON is the reply as the server sent it.
	JSON json.RawMessage `json:"-"`
}

// HQIPAddresses returns a page of the IP addresses and networks that are
// decisions, the HQ way (GET /api/ip-addresses).
func (c *Client) HQIPAddresses(ctx context.Context, q HQListQuery) (*HQPage, error) {
	return c.hqPage(ctx, "/api/ip-addresses", q)
}

// HQPhoneNumbers returns a page of the phone numbers that are decisions,
// the HQ way (GET /api/phone-numbers).
func (c *Client) HQPhoneNumbers(ctx context.Context, q HQListQuery) (*HQPage, error) {
	return c.hqPage(ctx, "/api/phone-numbers", q)
}

// AllHQIPAddresses yields every row of [Client.HQIPAddresses], following
// the cursor; it stops at the first error, which it yields.
func (c *Client) AllHQIPAddresses(ctx context.Context, q HQListQuery) iter.Seq2[Decision, error] {
	return c.allHQ(ctx, "/api/ip-addresses", q)
}

// AllHQPhoneNumbers is [Client.AllHQIPAddresses] for phone numbers.
func (c *Client) AllHQPhoneNumbers(ctx context.Context, q HQListQuery) iter.Seq2[Decision, error] {
	return c.allHQ(ctx, "/api/phone-numbers", q)
}

func (q HQListQuery) values() url.Values {
	v := url.Values{}
	if q.Limit != 0 {
		v.Set("limit", strconv.Itoa(q.Limit))
	}
	if q.Cursor != "" {
		v.Set("cursor", q.Cursor)
	}
	return v
}

func (c *Client) hqPage(ctx context.Context, path string, q HQListQuery) (*HQPage, error) {
	var p HQPage
	raw, err := c.decode(ctx, path, q.values(), &p)
	if err != nil {
		return nil, err
	}
	p.JSON = raw
	return &p, nil
}

func (c *Client) allHQ(ctx context.Context, path string, q HQListQuery) iter.Seq2[Decision, error] {
	return func(yield func(Decision, error) bool) {
		for {
			p, err := c.hqPage(ctx, path, q)
			if err != nil {
				yield(Decision{}, err)
				return
			}
			for _, d := range p.Data {
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

// HQEvent is an event as the original SentryPeer's webhook posts it; every
// field is a string. EventTimestamp is "2006-01-02 15:04:05.000000000" in
// UTC (RFC 3339 is accepted too).
type HQEvent struct {
	AppName         string `json:"app_name,omitempty"`
	AppVersion      string `json:"app_version,omitempty"`
	EventTimestamp  string `json:"event_timestamp"`
	EventUUID       string `json:"event_uuid"`
	CreatedByNodeID string `json:"created_by_node_id,omitempty"`
	CollectedMethod string `json:"collected_method,omitempty"` // passive or responsive
	TransportType   string `json:"transport_type,omitempty"`   // UDP, TCP or TLS
	SourceIP        string `json:"source_ip"`
	DestinationIP   string `json:"destination_ip,omitempty"`
	CalledNumber    string `json:"called_number,omitempty"`
	SIPMethod       string `json:"sip_method,omitempty"`
	SIPUserAgent    string `json:"sip_user_agent,omitempty"`
	SIPMessage      string `json:"sip_message,omitempty"`
}

// HQAccepted is the answer of [Client.ReportEvents].
type HQAccepted struct {
	Message  string `json:"message"`
	Received int    `json:"received"`
	// Stored counts the events this client had not reported before.
	Stored int `json:"stored"`
}

// ReportEvents reports events the HQ way (POST /api/events): at most
// 10000, in at most 1 MiB. It needs a client's token with scope report
// (client credentials in [Config]); the API key does not do. The server
// stores an event once per client and EventUUID, so the post is retried
// like a GET.
func (c *Client) ReportEvents(ctx context.Context, events []HQEvent) (*HQAccepted, error) {
	var a HQAccepted
	rq := &request{method: http.MethodPost, path: "/api/events", safe: true}
	if err := c.sendRequest(ctx, rq, events, &a); err != nil {
		return nil, err
	}
	return &a, nil
}
