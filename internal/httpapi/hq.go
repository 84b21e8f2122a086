package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/sentrypeer/sentrypeer/internal/decision"
	"github.com/sentrypeer/sentrypeer/internal/event"
	"github.com/sentrypeer/sentrypeer/internal/logsink"
	"github.com/sentrypeer/sentrypeer/internal/sip"
	"github.com/sentrypeer/sentrypeer/internal/store"
)

// The SentryPeerHQ-compatible routes: GET /api/ip-addresses/{ip} and
// /api/phone-numbers/{number} answer 200 for a decision (what every
// blocker follows) and 404 otherwise, which is all CGRateS's *sentrypeer
// filter reads; POST /api/events takes the original's webhook events.

// decisionLookup finds one decision; *decision.Engine is one.
type decisionLookup interface {
	Get(value string) (decision.Decision, bool)
	Covers(ip netip.Addr) (decision.Decision, bool)
}

// Reported takes the events clients post; the daemon stores them and
// counts them toward decisions like a peer's reports.
type Reported interface {
	// Report stores evs (Client and Reporter set) and returns how many
	// were new: an event posted again by the same client counts once.
	Report(ctx context.Context, evs []store.Reported) (int, error)
}

type hqFound struct {
	Message     string        `json:"message"`
	IPAddress   string        `json:"ip_address,omitempty"`
	PhoneNumber string        `json:"phone_number,omitempty"`
	Decision    *decisionJSON `json:"decision"`
}

// hqIP answers GET /api/ip-addresses/{ip}: a malformed address is not
// found (404), as the original answers, since CGRateS takes any other
// status as an error and would refuse the call.
func (a *api) hqIP(l decisionLookup) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		raw := r.PathValue("ip")
		ip, err := netip.ParseAddr(raw)
		if err == nil {
			ip = ip.Unmap().WithZone("")
			d, ok := l.Get(ip.String())
			if !ok || d.Kind != decision.IP {
				d, ok = l.Covers(ip)
			}
			if ok {
				dj := decisionToJSON(d)
				writeJSON(w, http.StatusOK, hqFound{Message: "IP Address found.", IPAddress: ip.String(), Decision: &dj})
				return
			}
		}
		writeJSON(w, http.StatusNotFound, message{"IP Address not found."})
	}
}

// hqNumber answers GET /api/phone-numbers/{number}, normalised as probes'
// numbers are; what is not a number is not found (404).
func (a *api) hqNumber(l decisionLookup) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if n := sip.NormaliseNumber(r.PathValue("number")); n != "" {
			if d, ok := l.Get(n); ok && d.Kind == decision.Number {
				dj := decisionToJSON(d)
				writeJSON(w, http.StatusOK, hqFound{Message: "Phone Number found.", PhoneNumber: n, Decision: &dj})
				return
			}
		}
		writeJSON(w, http.StatusNotFound, message{"Phone Number not found."})
	}
}

type hqList struct {
	Data []decisionJSON `json:"data"`
	Next string         `json:"next,omitempty"`
}

// hqList answers GET /api/ip-addresses (kinds ip, then range) and
// /api/phone-numbers: the decisions, a page at a time (limit, cursor).
func (a *api) hqList(kinds ...decision.Kind) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		limit, after := 100, ""
		for k, vs := range r.URL.Query() {
			v := vs[len(vs)-1]
			switch k {
			case "limit":
				n, err := strconv.Atoi(v)
				if err != nil || n < 1 || n > 1000 {
					writeJSON(w, http.StatusBadRequest, message{k + ": want an integer from 1 to 1000"})
					return
				}
				limit = n
			case "cursor":
				after = v
			default:
				writeJSON(w, http.StatusBadRequest, message{k + ": unknown parameter"})
				return
			}
		}
		page := hqList{Data: []decisionJSON{}}
		more := false
		for _, k := range kinds {
			// Values of every kind sort in one order: a page takes them in
			// that order, whatever the kind.
			ds, m := a.cfg.Decisions.List(decision.Filter{Kind: k, After: after, Limit: limit + 1})
			more = more || m
			for _, d := range ds {
				page.Data = append(page.Data, decisionToJSON(d))
			}
		}
		sortDecisions(page.Data)
		if len(page.Data) > limit {
			page.Data, more = page.Data[:limit], true
		}
		if more && len(page.Data) > 0 {
			page.Next = page.Data[len(page.Data)-1].Value
		}
		writeJSON(w, http.StatusOK, page)
	}
}

func sortDecisions(ds []decisionJSON) {
	for i := 1; i < len(ds); i++ { // a few hundred at most: insertion sort
		for j := i; j > 0 && ds[j].Value < ds[j-1].Value; j-- {
			ds[j], ds[j-1] = ds[j-1], ds[j]
		}
	}
}

// Limits of POST /api/events.
const (
	maxEventsBody    = 1 << 20 // bytes
	maxEventsPerPost = 10_000
	// maxFuture is how far ahead of the clock an event_timestamp may be:
	// the original writes local time without a zone, read here as UTC, so
	// its events can look up to 14 hours ahead. They are stored as now.
	maxFuture = 24 * time.Hour
)

type eventsAnswer struct {
	Message  string `json:"message"`
	Received int    `json:"received"`
	Stored   int    `json:"stored"`
}

// postEvents answers POST /api/events: one event object or an array of
// them, all valid or none stored. 201, as SentryPeerHQ answers, also when
// every event was stored before (a retry).
func (a *api) postEvents(w http.ResponseWriter, r *http.Request) {
	c, _ := clientOf(r)
	body, err := io.ReadAll(r.Body)
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			writeJSON(w, http.StatusRequestEntityTooLarge, message{fmt.Sprintf("request body too large: at most %d bytes", maxEventsBody)})
			return
		}
		writeJSON(w, http.StatusBadRequest, message{"reading the body failed"})
		return
	}
	var raws []json.RawMessage
	trimmed := bytes.TrimSpace(body)
	switch {
	case len(trimmed) > 0 && trimmed[0] == '[':
		if err := json.Unmarshal(trimmed, &raws); err != nil {
			badBody(w, "want a JSON array of event objects: "+err.Error())
			return
		}
	case len(trimmed) > 0 && trimmed[0] == '{':
		raws = []json.RawMessage{trimmed}
	default:
		badBody(w, "want a JSON event object or an array of them")
		return
	}
	if len(raws) == 0 {
		badBody(w, "the array holds no event")
		return
	}
	if len(raws) > maxEventsPerPost {
		badBody(w, fmt.Sprintf("%d events: at most %d per request", len(raws), maxEventsPerPost))
		return
	}
	now := a.cfg.Now()
	evs := make([]store.Reported, 0, len(raws))
	for i, raw := range raws {
		e, err := parseWebhookEvent(raw, now)
		if err != nil {
			where := "event"
			if len(raws) > 1 || trimmed[0] == '[' {
				where = fmt.Sprintf("event %d", i)
			}
			badBody(w, where+": "+err.Error())
			return
		}
		e.Client, e.Reporter = c.ID, c.Reporter()
		evs = append(evs, e)
	}
	stored, err := a.cfg.Reported.Report(r.Context(), evs)
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) {
			writeJSON(w, http.StatusServiceUnavailable, message{"storing the events took too long; retry"})
			return
		}
		writeJSON(w, http.StatusServiceUnavailable, message{"storing the events failed; retry"})
		return
	}
	writeJSON(w, http.StatusCreated, eventsAnswer{Message: "Thanks for using SentryPeer!", Received: len(evs), Stored: stored})
}

// badBody answers 400; outside /api/v1/ errors are the original's
// {"message"}.
func badBody(w http.ResponseWriter, problem string) {
	writeJSON(w, http.StatusBadRequest, message{"body: " + problem})
}

// notFound is the original's value for a number or user agent the
// message did not carry.
const notFound = "NOT_FOUND"

// parseWebhookEvent checks one posted event, the original's thirteen keys
// (others are ignored), and returns what is stored.
func parseWebhookEvent(raw json.RawMessage, now time.Time) (store.Reported, error) {
	var e logsink.Original
	dec := json.NewDecoder(bytes.NewReader(raw))
	if err := dec.Decode(&e); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) && te.Field != "" {
			return store.Reported{}, fmt.Errorf("%s: want a string", te.Field)
		}
		return store.Reported{}, fmt.Errorf("want a JSON object: %v", err)
	}
	var out store.Reported
	if e.EventUUID == "" {
		return out, errors.New("event_uuid is missing")
	}
	id, err := event.ParseUUID(e.EventUUID)
	if err != nil {
		return out, fmt.Errorf("event_uuid %q: not a UUID", clip(e.EventUUID))
	}
	out.UUID = id.String()
	if e.EventTimestamp == "" {
		return out, errors.New("event_timestamp is missing")
	}
	t, err := parseEventTime(e.EventTimestamp)
	if err != nil {
		return out, fmt.Errorf("event_timestamp %q: want \"2006-01-02 15:04:05.000000000\" (UTC) or RFC 3339", clip(e.EventTimestamp))
	}
	if t.After(now.Add(maxFuture)) {
		return out, fmt.Errorf("event_timestamp %q: more than a day ahead of this node's clock", clip(e.EventTimestamp))
	}
	out.Time = t
	if t.After(now) {
		out.Time = now
	}
	if e.SourceIP == "" {
		return out, errors.New("source_ip is missing")
	}
	ip, err := netip.ParseAddr(e.SourceIP)
	if err != nil {
		return out, fmt.Errorf("source_ip %q: not an IP address", clip(e.SourceIP))
	}
	out.SourceIP = ip.Unmap().WithZone("")
	if e.DestinationIP != "" {
		if _, err := netip.ParseAddr(e.DestinationIP); err != nil {
			return out, fmt.Errorf("destination_ip %q: not an IP address", clip(e.DestinationIP))
		}
	}
	for _, f := range []struct {
		name, v string
		max     int
	}{
		{"app_name", e.AppName, 256}, {"app_version", e.AppVersion, 256}, {"created_by_node_id", e.CreatedByNodeID, 256},
		{"collected_method", e.CollectedMethod, 64}, {"transport_type", e.TransportType, 64},
		{"called_number", e.CalledNumber, 1024}, {"sip_method", e.SIPMethod, 64},
		{"sip_user_agent", e.SIPUserAgent, 1024}, {"sip_message", e.SIPMessage, 256 << 10},
	} {
		if len(f.v) > f.max {
			return out, fmt.Errorf("%s: longer than %d bytes", f.name, f.max)
		}
	}
	if e.SIPMethod != "" && !isToken(e.SIPMethod) {
		return out, fmt.Errorf("sip_method %q: not a SIP method", clip(e.SIPMethod))
	}
	if e.CalledNumber != notFound {
		out.Number = sip.NormaliseNumber(e.CalledNumber)
	}
	out.Method = strings.ToUpper(e.SIPMethod)
	if e.SIPUserAgent != notFound {
		out.UserAgent = e.SIPUserAgent
	}
	var compact bytes.Buffer
	if err := json.Compact(&compact, raw); err != nil {
		return out, fmt.Errorf("want a JSON object: %v", err)
	}
	out.Data = compact.Bytes()
	return out, nil
}

// eventTimeLayouts: the original's (six or nine digits, any number is
// read), then RFC 3339.
var eventTimeLayouts = []string{"2006-01-02 15:04:05.999999999", time.RFC3339Nano}

func parseEventTime(s string) (time.Time, error) {
	var err error
	for _, l := range eventTimeLayouts {
		var t time.Time
		if t, err = time.Parse(l, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, err
}

// isToken: a SIP method is an RFC 3261 token; letters in practice.
func isToken(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || strings.IndexByte("-.!%*_+`'~", c) >= 0) {
			return false
		}
	}
	return true
}

// clip shortens attacker-sized text for an error message.
func clip(s string) string {
	if len(s) <= 64 {
		return s
	}
	s = s[:64]
	for !utf8.ValidString(s) {
		s = s[:len(s)-1]
	}
	return s + "…"
}
