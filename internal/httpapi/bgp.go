//go:build !lite

package httpapi

import (
	"context"
	"net/http"

	"github.com/sentrypeer/sentrypeer/internal/block/bgp"
)

// BGP reports the blackhole speaker; *bgp.Blocker is one.
type BGP interface {
	Status(ctx context.Context) bgp.Status
}

// bgpStatus answers /api/v1/bgp: the speaker, its neighbours, their
// sessions and the routes announced.
func (a *api) bgpStatus(w http.ResponseWriter, r *http.Request) {
	if len(r.URL.Query()) > 0 {
		badParam(w, firstKey(r), "unknown parameter")
		return
	}
	s := a.cfg.BGP.Status(r.Context())
	if s.Neighbors == nil {
		s.Neighbors = []bgp.NeighborStatus{}
	}
	writeJSON(w, http.StatusOK, s)
}
