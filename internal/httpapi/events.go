package httpapi

import (
	"net/http"
	"strings"
	"time"

	"github.com/sentrypeer/sentrypeer/internal/event"
	"github.com/sentrypeer/sentrypeer/internal/sip"
	"github.com/sentrypeer/sentrypeer/internal/store"
)

// eventJSON is an event as the API shows it.
type eventJSON struct {
	ID                     string    `json:"id"`
	Time                   time.Time `json:"time"`
	NodeID                 string    `json:"node_id"`
	Collected              string    `json:"collected"`
	Transport              string    `json:"transport"`
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
	Raw                    *string   `json:"raw,omitempty"`
	RawTruncated           *bool     `json:"raw_truncated,omitempty"`
}

func toJSON(e *event.Event, raw bool) eventJSON {
	out := eventJSON{
		ID: e.ID.String(), Time: e.Time, NodeID: e.NodeID.String(),
		Collected: e.Collected.String(), Transport: e.Transport.String(),
		SourcePort: e.Source.Port(), DestinationPort: e.Destination.Port(),
		Method: e.Method, RequestURI: e.RequestURI, CalledNumber: e.CalledNumber,
		CalledNumberNormalised: e.CalledNumberNorm, From: e.From, To: e.To, CallID: e.CallID,
		CSeq: e.CSeq, UserAgent: e.UserAgent, Contact: e.Contact, Via: e.Via, ParseError: e.ParseError,
	}
	if e.Source.Addr().IsValid() {
		out.SourceIP = e.Source.Addr().String()
	}
	if e.Destination.Addr().IsValid() {
		out.DestinationIP = e.Destination.Addr().String()
	}
	if raw {
		out.Raw, out.RawTruncated = &e.Raw, &e.RawTruncated
	}
	return out
}

type eventList struct {
	Events     []eventJSON `json:"events"`
	NextCursor string      `json:"next_cursor,omitempty"`
}

// eventsLimitMax is lower than the store's: a page of events with raw
// messages must stay a few megabytes.
const eventsLimitMax = 1000

func (a *api) events(w http.ResponseWriter, r *http.Request) {
	p := params{q: r.URL.Query()}
	p.known("ip", "number", "number_prefix", "method", "user_agent", "transport", "since", "until", "limit", "cursor", "raw")
	q := store.Query{
		SourcePrefix: p.prefix("ip"),
		Method:       strings.ToUpper(p.str("method")),
		UserAgent:    p.str("user_agent"),
		Since:        p.time("since"),
		Before:       p.time("until"),
		Limit:        p.intIn("limit", defaultLimit, 1, eventsLimitMax),
	}
	if n := p.str("number"); n != "" {
		if q.CalledNumber = sip.NormaliseNumber(n); q.CalledNumber == "" {
			p.fail("number", "no digits or letters left once normalised")
		}
	}
	if n := p.str("number_prefix"); n != "" {
		if q.NumberPrefix = sip.NormaliseNumber(n); q.NumberPrefix == "" {
			p.fail("number_prefix", "no digits or letters left once normalised")
		}
	}
	switch p.oneOf("transport", "", "udp", "tcp", "tls") {
	case "udp":
		q.Transport = event.UDP
	case "tcp":
		q.Transport = event.TCP
	case "tls":
		q.Transport = event.TLS
	}
	raw := p.boolean("raw")
	if c, err := store.ParseCursor(p.str("cursor")); err != nil {
		p.fail("cursor", "not a cursor this API returned")
	} else {
		q.After = c
	}
	if p.param == "" && !q.Since.IsZero() && !q.Before.IsZero() && !q.Since.Before(q.Before) {
		p.fail("until", "must be after since")
	}
	if p.param != "" {
		badParam(w, p.param, p.msg)
		return
	}
	page, err := a.cfg.Events.Page(r.Context(), q)
	if readFailed(w, err, "events", "narrow it with since, until or a filter on ip or number") {
		return
	}
	out := eventList{Events: make([]eventJSON, len(page.Events)), NextCursor: page.Next.String()}
	for i := range page.Events {
		out.Events[i] = toJSON(&page.Events[i], raw)
	}
	writeJSON(w, http.StatusOK, out)
}
