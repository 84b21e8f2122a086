//go:build !lite

package httpapi

import (
	"context"
	"net/http"
	"net/netip"
	"time"

	"github.com/sentrypeer/sentrypeer/internal/history"
	"github.com/sentrypeer/sentrypeer/internal/p2p"
)

// Reports reads what peers reported; *history.History is one.
type Reports interface {
	Reports(ctx context.Context, ip netip.Addr, limit int) ([]history.Report, error)
}

// reportJSON is one peer's record about an IP.
type reportJSON struct {
	Reporter     string    `json:"reporter"`
	Via          string    `json:"via"`
	Received     time.Time `json:"received"`
	FirstSeen    time.Time `json:"first_seen"`
	LastSeen     time.Time `json:"last_seen"`
	Count        uint32    `json:"count"`
	CalledNumber string    `json:"called_number"`
	Method       string    `json:"method"`
	UserAgent    string    `json:"user_agent"`
	Transport    string    `json:"transport"`
	// Destination and Raw are there only when the reporter's operator
	// chose to share them.
	Destination string `json:"destination,omitempty"`
	Raw         string `json:"raw,omitempty"`
}

type reportsBody struct {
	IPAddress string       `json:"ip_address"`
	Reports   []reportJSON `json:"reports"`
}

// reports answers what peers reported about one IP, newest first.
func (a *api) reports(w http.ResponseWriter, r *http.Request) {
	ip, ok := parseIP(r.PathValue("ip"))
	if !ok {
		badParam(w, "ip", "not an IP address")
		return
	}
	p := params{q: r.URL.Query()}
	p.known("limit")
	limit := p.intIn("limit", defaultLimit, 1, maxLimit)
	if p.param != "" {
		badParam(w, p.param, p.msg)
		return
	}
	reps, err := a.cfg.Reports.Reports(r.Context(), ip, limit)
	if readFailed(w, err, "reports", "ask for fewer with limit") {
		return
	}
	body := reportsBody{IPAddress: ip.String(), Reports: make([]reportJSON, 0, len(reps))}
	for _, rep := range reps {
		rec := rep.Record
		j := reportJSON{
			Reporter: peerIDString(rec.Reporter), Via: rep.Via, Received: rep.Received.UTC(),
			FirstSeen: rec.FirstSeen, LastSeen: rec.LastSeen, Count: rec.Count,
			CalledNumber: rec.CalledNumber, Method: rec.Method, UserAgent: rec.UserAgent,
			Transport: rec.Transport.String(), Raw: rec.Raw,
		}
		if rec.Destination.IsValid() {
			j.Destination = rec.Destination.String()
		}
		body.Reports = append(body.Reports, j)
	}
	writeJSON(w, http.StatusOK, body)
}

// peerIDString is the peer ID of a reporter's key; records are validated
// before they are stored, so it does not fail on a stored one.
func peerIDString(key []byte) string {
	id, err := p2p.ReporterID(key)
	if err != nil {
		return ""
	}
	return id.String()
}
