package metrics

import (
	"fmt"
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// maxScrapes bounds concurrent scrapes: each one reads every source and
// encodes the whole registry, and the endpoint may be reachable by more
// than the Prometheus server. More concurrent requests get 503.
const maxScrapes = 4

// Metrics owns a registry and the series this package records itself.
// Make one with [New]; the zero value is not usable.
type Metrics struct {
	reg         *prometheus.Registry
	handler     http.Handler
	probes      *prometheus.CounterVec
	apiRequests *prometheus.CounterVec
	apiDuration *prometheus.HistogramVec
}

// New returns a Metrics with a fresh registry holding the Go runtime and
// process collectors, sentrypeer_probes_total and the API request series.
// It starts no goroutine.
func New() *Metrics {
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		probes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "sentrypeer_probes_total",
			Help: "SIP probes received, by request method and transport.",
		}, []string{"method", "transport"}),
		apiRequests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "sentrypeer_api_requests_total",
			Help: "HTTP API requests, by route and status code.",
		}, []string{"route", "code"}),
		apiDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "sentrypeer_api_request_duration_seconds",
			Help: "HTTP API request latency, by route.",
			// Checks answer from memory in tens of microseconds; the
			// default buckets start at 5 ms and would hide them.
			Buckets: []float64{.00005, .0001, .00025, .0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"route"}),
	}
	m.reg.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		m.probes, m.apiRequests, m.apiDuration,
	)
	// InstrumentMetricHandler adds promhttp_metric_handler_requests_total;
	// Registry in the options adds promhttp_metric_handler_errors_total.
	m.handler = promhttp.InstrumentMetricHandler(m.reg, promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{
		Registry:            m.reg,
		MaxRequestsInFlight: maxScrapes,
	}))
	return m
}

// Handler returns the handler that serves the registry in the Prometheus
// exposition formats. It is the same handler on every call.
func (m *Metrics) Handler() http.Handler { return m.handler }

// Registry returns the registry, for tests and for components that record
// series of their own. Callers must not unregister what Metrics registered.
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// ProbeCounter returns a sink counting into sentrypeer_probes_total. Every
// call returns a sink over the same series.
func (m *Metrics) ProbeCounter() *ProbeCounter { return &ProbeCounter{probes: m.probes} }

// RegisterBus reports the bus's per-sink queues. A source of each kind
// can be registered once; a second one returns an error.
func (m *Metrics) RegisterBus(src BusStats) error {
	return m.register("bus", newBusCollector(src))
}

// RegisterListener reports the SIP listener's counters.
func (m *Metrics) RegisterListener(src ListenerStats) error {
	return m.register("listener", newListenerCollector(src))
}

// RegisterStore reports the store's counters.
func (m *Metrics) RegisterStore(src StoreStats) error {
	return m.register("store", newStoreCollector(src))
}

// RegisterResponder reports the responder's counters.
func (m *Metrics) RegisterResponder(src ResponderStats) error {
	return m.register("responder", newResponderCollector(src))
}

// RegisterJSONLog reports the JSON event log sink's counters.
func (m *Metrics) RegisterJSONLog(src JSONLogStats) error {
	return m.register("JSON log", newJSONLogCollector(src))
}

// RegisterSyslog reports the syslog sink's counters.
func (m *Metrics) RegisterSyslog(src SyslogStats) error {
	return m.register("syslog", newSyslogCollector(src))
}

func (m *Metrics) register(what string, c prometheus.Collector) error {
	if err := m.reg.Register(c); err != nil {
		return fmt.Errorf("metrics: registering %s: %w", what, err)
	}
	return nil
}
