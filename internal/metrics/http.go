package metrics

import (
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Instrument returns a handler that calls next and records the request in
// sentrypeer_api_requests_total{route,code} and
// sentrypeer_api_request_duration_seconds{route}. route must be a fixed
// name such as the pattern the handler is mounted on ("/events/{ip}"),
// never the request path: label values come from it, and a path chosen by
// clients would grow the series without bound. The code label is the
// response status code. The returned handler keeps the optional interfaces
// of the ResponseWriter (http.Flusher, http.Hijacker, ...) that next sees.
func (m *Metrics) Instrument(route string, next http.Handler) http.Handler {
	l := prometheus.Labels{"route": route}
	return promhttp.InstrumentHandlerDuration(m.apiDuration.MustCurryWith(l),
		promhttp.InstrumentHandlerCounter(m.apiRequests.MustCurryWith(l), next))
}
