//go:build lite

package httpapi

import "net/http"

// Lite builds leave out the peer-to-peer engine and the BGP speaker, whose
// types the full build's Peers, Reports and BGP use. These stand in for
// them: nothing outside this package can implement them, so the fields of
// [Config] that hold them stay nil, /api/v1/peers says the node does not
// share, and /api/v1/reports and /api/v1/bgp are left out.
type (
	Peers   interface{ notInLiteBuilds() }
	Reports interface{ notInLiteBuilds() }
	BGP     interface{ notInLiteBuilds() }
)

type peersBody struct {
	Sharing bool     `json:"sharing"`
	Addrs   []string `json:"addrs"`
	Peers   []any    `json:"peers"`
}

// peers answers /api/v1/peers as a full build that does not share does.
func (a *api) peers(w http.ResponseWriter, r *http.Request) {
	if len(r.URL.Query()) > 0 {
		badParam(w, firstKey(r), "unknown parameter")
		return
	}
	writeJSON(w, http.StatusOK, peersBody{Addrs: []string{}, Peers: []any{}})
}

// reports and bgpStatus are never routed: Config.Reports and Config.BGP
// are nil.
func (a *api) reports(w http.ResponseWriter, r *http.Request)   { http.NotFound(w, r) }
func (a *api) bgpStatus(w http.ResponseWriter, r *http.Request) { http.NotFound(w, r) }
