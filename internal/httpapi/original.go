package httpapi

import (
	"net/http"
	"strconv"

	"github.com/sentrypeer/sentrypeer/internal/index"
	"github.com/sentrypeer/sentrypeer/internal/sip"
)

// originalTimeLayout is the original's event_timestamp format, which its
// seen_last carried (the JSON log uses it too).
const originalTimeLayout = "2006-01-02 15:04:05.000000000"

// The original endpoints keep its shapes, down to seen_count being a
// string and the two-space indent: FreePBX modules and scripts parse them.
type (
	originalIP struct {
		IPAddress string `json:"ip_address"`
		SeenLast  string `json:"seen_last"`
		SeenCount string `json:"seen_count"`
	}
	originalIPs struct {
		Total int          `json:"ip_addresses_total"`
		IPs   []originalIP `json:"ip_addresses"`
	}
	originalNumber struct {
		CalledNumber string `json:"called_number"`
		SeenLast     string `json:"seen_last"`
		SeenCount    string `json:"seen_count"`
	}
	originalNumbers struct {
		Total   int              `json:"called_numbers_total"`
		Numbers []originalNumber `json:"called_numbers"`
	}
)

// everything lists every entry, newest first, as the original did.
func everything() index.List { return index.List{Sort: index.ByLastSeen, Limit: 1<<31 - 1} }

func (a *api) originalIPs(w http.ResponseWriter, r *http.Request) {
	total, entries := a.cfg.Index.IPs(everything())
	if total == 0 {
		writeIndented(w, http.StatusNotFound, message{"No bad actors found"})
		return
	}
	out := originalIPs{Total: total, IPs: make([]originalIP, len(entries))}
	for i, e := range entries {
		out.IPs[i] = originalIP{e.Key, e.Last.Format(originalTimeLayout), strconv.FormatInt(e.Count, 10)}
	}
	writeIndented(w, http.StatusOK, out)
}

func (a *api) originalIP(w http.ResponseWriter, r *http.Request) {
	ip, ok := parseIP(r.PathValue("ip"))
	if !ok {
		writeIndented(w, http.StatusBadRequest, message{"Not an IP address"})
		return
	}
	if _, found := a.cfg.Index.SummaryIP(ip); !found {
		writeIndented(w, http.StatusNotFound, message{"No bad actor found"})
		return
	}
	writeIndented(w, http.StatusOK, struct {
		Found string `json:"bad_actor_found"`
	}{ip.String()})
}

func (a *api) originalNumbers(w http.ResponseWriter, r *http.Request) {
	total, entries := a.cfg.Index.Numbers(everything())
	if total == 0 {
		writeIndented(w, http.StatusNotFound, message{"No phone numbers found"})
		return
	}
	out := originalNumbers{Total: total, Numbers: make([]originalNumber, len(entries))}
	for i, e := range entries {
		out.Numbers[i] = originalNumber{e.Key, e.Last.Format(originalTimeLayout), strconv.FormatInt(e.Count, 10)}
	}
	writeIndented(w, http.StatusOK, out)
}

func (a *api) originalNumber(w http.ResponseWriter, r *http.Request) {
	n := sip.NormaliseNumber(r.PathValue("number"))
	if _, found := a.cfg.Index.SummaryNumber(n); !found {
		writeIndented(w, http.StatusNotFound, message{"No phone number found"})
		return
	}
	writeIndented(w, http.StatusOK, struct {
		Found string `json:"phone_number_found"`
	}{n})
}
