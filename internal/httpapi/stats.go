package httpapi

import (
	"net/http"
	"time"

	"github.com/sentrypeer/sentrypeer/internal/index"
)

type valueCount struct {
	Value string `json:"value"`
	Count int64  `json:"count"`
}

type hourCount struct {
	Hour  time.Time `json:"hour"`
	Count int64     `json:"count"`
}

type statsBody struct {
	EventsTotal     int64        `json:"events_total"`
	IPsTotal        int          `json:"ip_addresses_total"`
	NumbersTotal    int          `json:"numbers_total"`
	UserAgentsTotal int          `json:"user_agents_total"`
	FirstEvent      *time.Time   `json:"first_event,omitempty"`
	LastEvent       *time.Time   `json:"last_event,omitempty"`
	WindowHours     int          `json:"window_hours"`
	Ready           bool         `json:"ready"`
	TopIPs          []valueCount `json:"top_ip_addresses"`
	TopNumbers      []valueCount `json:"top_numbers"`
	TopUserAgents   []valueCount `json:"top_user_agents"`
	Methods         []valueCount `json:"methods"`
	TopPrefixes     []valueCount `json:"top_number_prefixes"`
	EventsPerHour   []hourCount  `json:"events_per_hour"`
}

func valueCounts(in []index.ValueCount) []valueCount {
	out := make([]valueCount, len(in))
	for i, v := range in {
		out[i] = valueCount{v.Value, v.Count}
	}
	return out
}

func (a *api) stats(w http.ResponseWriter, r *http.Request) {
	p := params{q: r.URL.Query()}
	p.known("top")
	top := p.intIn("top", 10, 1, 100)
	if p.param != "" {
		badParam(w, p.param, p.msg)
		return
	}
	s := a.cfg.Index.Stats(top)
	out := statsBody{
		EventsTotal: s.Events, IPsTotal: s.IPs, NumbersTotal: s.Numbers, UserAgentsTotal: s.UserAgents,
		WindowHours: len(s.Hours), Ready: s.Ready,
		TopIPs: valueCounts(s.TopIPs), TopNumbers: valueCounts(s.TopNumbers), TopUserAgents: valueCounts(s.TopUserAgents),
		Methods: valueCounts(s.Methods), TopPrefixes: valueCounts(s.TopPrefixes),
		EventsPerHour: make([]hourCount, len(s.Hours)),
	}
	if !s.First.IsZero() {
		out.FirstEvent, out.LastEvent = &s.First, &s.Last
	}
	for i, h := range s.Hours {
		out.EventsPerHour[i] = hourCount{h.Hour, h.Count}
	}
	writeJSON(w, http.StatusOK, out)
}
