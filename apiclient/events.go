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

// Event is one probe, as GET /api/v1/events and the live stream give it.
// Every string may come from an attacker.
type Event struct {
	ID                     string    `json:"id"`
	Time                   time.Time `json:"time"`
	NodeID                 string    `json:"node_id"`
	Collected              string    `json:"collected"` // passive or responsive
	Transport              string    `json:"transport"` // UDP, TCP or TLS
	SourceIP               string    `json:"source_ip"`
	SourcePort             uint16    `json:"source_port"`
	DestinationIP          string    `json:"destination_ip"`
	DestinationPort        uint16    `json:"destination_port"`
	Method                 string    `json:"method"`
	RequestURI             string    `json:"request_uri"`
	CalledNumber           string    `json:"called_number"`
	CalledNumberNormalised string    `json:"called_number_normalised"`
	From                   string    `json:"from"`
	To                     string    `json:"to"`
	CallID                 string    `json:"call_id"`
	CSeq                   string    `json:"cseq"`
	UserAgent              string    `json:"user_agent"`
	Contact                string    `json:"contact"`
	Via                    string    `json:"via"`
	ParseError             string    `json:"parse_error,omitempty"`
	// Raw is the SIP message, with EventQuery.Raw only.
	Raw          *string `json:"raw,omitempty"`
	RawTruncated *bool   `json:"raw_truncated,omitempty"`

	// JSON is the event as the server sent it, fields unknown here
	// included.
	JSON json.RawMessage `json:"-"`
}

// UnmarshalJSON decodes an event and keeps it in JSON.
func (e *Event) UnmarshalJSON(b []byte) error {
	type plain Event
	if err := json.Unmarshal(b, (*plain)(e)); err != nil {
		return err
	}
	e.JSON = bytes.Clone(b)
	return nil
}

// EventQuery selects events, newest first. Zero fields select all.
type EventQuery struct {
	IP           string // an IP address or CIDR prefix of the source
	Number       string // the called number (normalised by the server)
	NumberPrefix string // called numbers starting so
	Method       string // SIP method, any case
	UserAgent    string
	Transport    string    // udp, tcp or tls
	Since, Until time.Time // Since ≤ time < Until
	Limit        int       // events per page, 1..1000 (server default 100)
	// Cursor is a page's NextCursor, for the page after it.
	Cursor string
	// Raw asks for each event's SIP message.
	Raw bool
}

func (q EventQuery) values() url.Values {
	v := url.Values{}
	for k, s := range map[string]string{"ip": q.IP, "number": q.Number, "number_prefix": q.NumberPrefix,
		"method": q.Method, "user_agent": q.UserAgent, "transport": q.Transport, "cursor": q.Cursor} {
		if s != "" {
			v.Set(k, s)
		}
	}
	if !q.Since.IsZero() {
		v.Set("since", q.Since.Format(time.RFC3339Nano))
	}
	if !q.Until.IsZero() {
		v.Set("until", q.Until.Format(time.RFC3339Nano))
	}
	if q.Limit != 0 {
		v.Set("limit", strconv.Itoa(q.Limit))
	}
	if q.Raw {
		v.Set("raw", "true")
	}
	return v
}

// EventPage is one page of GET /api/v1/events.
type EventPage struct {
	Events []Event `json:"events"`
	// NextCursor is the Cursor of the next (older) page; "" on the last.
	NextCursor string `json:"next_cursor"`
	// JSON is the reply as the server sent it.
	JSON json.RawMessage `json:"-"`
}

// Events returns one page of events, newest first.
func (c *Client) Events(ctx context.Context, q EventQuery) (*EventPage, error) {
	var p EventPage
	raw, err := c.decode(ctx, "/api/v1/events", q.values(), &p)
	if err != nil {
		return nil, err
	}
	p.JSON = raw
	return &p, nil
}

// AllEvents yields every event q selects, newest first, following the
// server's cursor from page to page (q.Limit events a page); it stops at
// the first error, which it yields.
func (c *Client) AllEvents(ctx context.Context, q EventQuery) iter.Seq2[Event, error] {
	return func(yield func(Event, error) bool) {
		for {
			p, err := c.Events(ctx, q)
			if err != nil {
				yield(Event{}, err)
				return
			}
			for _, e := range p.Events {
				if !yield(e, nil) {
					return
				}
			}
			if p.NextCursor == "" || len(p.Events) == 0 {
				return
			}
			// A cursor that repeats would loop forever.
			if p.NextCursor == q.Cursor {
				yield(Event{}, fmt.Errorf("GET %s: next_cursor repeats the cursor", (&request{path: "/api/v1/events", query: q.values()}).url(c)))
				return
			}
			q.Cursor = p.NextCursor
		}
	}
}
