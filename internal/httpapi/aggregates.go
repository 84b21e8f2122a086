package httpapi

import (
	"net/http"
	"time"

	"github.com/sentrypeer/sentrypeer/internal/index"
	"github.com/sentrypeer/sentrypeer/internal/sip"
)

// aggregate is one IP or number in /api/v1/ lists.
type aggregate struct {
	IP         string    `json:"ip,omitempty"`
	Number     string    `json:"number,omitempty"`
	FirstSeen  time.Time `json:"first_seen"`
	LastSeen   time.Time `json:"last_seen"`
	Count      int64     `json:"count"`
	Methods    []string  `json:"methods"`
	UserAgents []string  `json:"user_agents"`
	Sources    []string  `json:"sources"`
}

func toAggregate(e index.Entry, isIP bool) aggregate {
	a := aggregate{FirstSeen: e.First, LastSeen: e.Last, Count: e.Count, Methods: e.Methods, UserAgents: e.UserAgents, Sources: e.Sources.Names()}
	if isIP {
		a.IP = e.Key
	} else {
		a.Number = e.Key
	}
	return a
}

type ipList struct {
	Total      int         `json:"total"`
	IPs        []aggregate `json:"ip_addresses"`
	NextOffset *int        `json:"next_offset,omitempty"`
}

type numberList struct {
	Total      int         `json:"total"`
	Numbers    []aggregate `json:"numbers"`
	NextOffset *int        `json:"next_offset,omitempty"`
}

// nextOffset is where the page after [offset, offset+n) starts, if any.
func nextOffset(offset, n, total int) *int {
	if next := offset + n; n > 0 && next < total {
		return &next
	}
	return nil
}

func (a *api) listIPs(w http.ResponseWriter, r *http.Request) {
	p := params{q: r.URL.Query()}
	p.known("sort", "order", "limit", "offset")
	l := p.list("ip")
	if p.param != "" {
		badParam(w, p.param, p.msg)
		return
	}
	total, entries := a.cfg.Index.IPs(l)
	out := ipList{Total: total, IPs: make([]aggregate, len(entries)), NextOffset: nextOffset(l.Offset, len(entries), total)}
	for i, e := range entries {
		out.IPs[i] = toAggregate(e, true)
	}
	writeJSON(w, http.StatusOK, out)
}

func (a *api) listNumbers(w http.ResponseWriter, r *http.Request) {
	p := params{q: r.URL.Query()}
	p.known("sort", "order", "limit", "offset")
	l := p.list("number")
	if p.param != "" {
		badParam(w, p.param, p.msg)
		return
	}
	total, entries := a.cfg.Index.Numbers(l)
	out := numberList{Total: total, Numbers: make([]aggregate, len(entries)), NextOffset: nextOffset(l.Offset, len(entries), total)}
	for i, e := range entries {
		out.Numbers[i] = toAggregate(e, false)
	}
	writeJSON(w, http.StatusOK, out)
}

// check is the answer of /api/v1/check/...: always 200 for a well-formed
// value, with Bad saying whether it was seen.
type check struct {
	IP        string     `json:"ip,omitempty"`
	Number    *string    `json:"number,omitempty"`
	Bad       bool       `json:"bad"`
	FirstSeen *time.Time `json:"first_seen,omitempty"`
	LastSeen  *time.Time `json:"last_seen,omitempty"`
	Count     int64      `json:"count,omitempty"`
	Sources   []string   `json:"sources,omitempty"`
}

func (c *check) found(e index.Entry) {
	c.Bad, c.FirstSeen, c.LastSeen, c.Count, c.Sources = true, &e.First, &e.Last, e.Count, e.Sources.Names()
}

func (a *api) checkIP(w http.ResponseWriter, r *http.Request) {
	ip, ok := parseIP(r.PathValue("ip"))
	if !ok {
		badParam(w, "ip", "not an IP address")
		return
	}
	c := check{IP: ip.String()}
	if e, found := a.cfg.Index.CheckIP(ip); found {
		c.found(e)
	}
	writeJSON(w, http.StatusOK, c)
}

func (a *api) checkNumber(w http.ResponseWriter, r *http.Request) {
	n := sip.NormaliseNumber(r.PathValue("number"))
	if n == "" {
		badParam(w, "number", "no digits or letters left once normalised")
		return
	}
	c := check{Number: &n}
	if e, found := a.cfg.Index.CheckNumber(n); found {
		c.found(e)
	}
	writeJSON(w, http.StatusOK, c)
}
