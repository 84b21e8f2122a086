//go:build lite

package daemon

import (
	"net/http"

	"github.com/sentrypeer/sentrypeer/internal/event"
	"github.com/sentrypeer/sentrypeer/internal/store"
)

// meters is empty in lite builds: they leave Prometheus (client_golang)
// out, and the API answers /metrics with 404 and a message saying so.
type meters struct{}

func (d *Daemon) meters() *meters { return nil }

func (*meters) probes() event.Sink { return nil }

func (*meters) register(*event.Bus, *store.Store, *sinkSet, *listenerSet, *peerSet, *blockerSet, *sipAgent) error {
	return nil
}

func (*meters) api() (http.Handler, func(route string, h http.Handler) http.Handler) {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "sentrypeer: /metrics: not in this build (lite); use the full build", http.StatusNotFound)
	}), nil
}
