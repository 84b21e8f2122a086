// Package metrics exposes SentryPeer's counters in the Prometheus text
// format, using its own [prometheus.Registry] (never the global default).
// Nothing is pushed anywhere: a scraper has to fetch [Metrics.Handler].
//
// # Sources
//
// Most components already keep atomic counters behind a Stats method. For
// each of them this package declares a one-method interface ([BusStats],
// [ListenerStats], [StoreStats], [ResponderStats], [JSONLogStats],
// [SyslogStats]) and registers a collector that calls Stats at scrape
// time and reports the snapshot as constant metrics. No goroutine polls,
// and a scrape never changes a value, so scraping twice cannot double a
// counter.
//
// Two series need data the Stats methods do not have:
//
//   - sentrypeer_probes_total{method,transport} is counted by
//     [ProbeCounter], an event sink subscribed to the bus like any other.
//     The method label is bounded (see [MethodLabel]) because attackers
//     choose the method string.
//   - sentrypeer_api_requests_total{route,code} and
//     sentrypeer_api_request_duration_seconds{route} are recorded by
//     [Metrics.Instrument] around each API handler.
//
// # Naming
//
// Every name starts with sentrypeer_, counters end in _total, and
// durations are in seconds, following the Prometheus naming conventions;
// the tests run promlint over every collector.
//
// # Concurrency
//
// A [Metrics] is safe for concurrent use. Register its sources during
// setup, before the handler is served; scrapes may then run at any time,
// concurrently with the components they read.
package metrics
