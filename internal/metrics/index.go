package metrics

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/sentrypeer/sentrypeer/internal/index"
	"github.com/sentrypeer/sentrypeer/internal/live"
)

// IndexStats is implemented by [*index.Index].
type IndexStats interface{ Counts() index.Counts }

// LiveStats is implemented by [*live.Hub].
type LiveStats interface{ Stats() live.Stats }

var (
	_ IndexStats = (*index.Index)(nil)
	_ LiveStats  = (*live.Hub)(nil)
)

// RegisterIndex reports the in-memory index's sizes and counters.
func (m *Metrics) RegisterIndex(src IndexStats) error {
	return m.register("index", newIndexCollector(src))
}

// RegisterLive reports the live event stream's subscribers and counters.
func (m *Metrics) RegisterLive(src LiveStats) error {
	return m.register("live", newLiveCollector(src))
}

func newIndexCollector(src IndexStats) prometheus.Collector {
	type S = index.Counts
	return &snapshot[S]{stats: src.Counts, fields: []field[S]{
		gauge("sentrypeer_index_events",
			"Events in the in-memory index (the retention window).",
			func(s S) float64 { return float64(s.Events) }),
		gauge("sentrypeer_index_ip_addresses",
			"Distinct source IP addresses in the index.",
			func(s S) float64 { return float64(s.IPs) }),
		gauge("sentrypeer_index_numbers",
			"Distinct called numbers in the index.",
			func(s S) float64 { return float64(s.Numbers) }),
		gauge("sentrypeer_index_ready",
			"1 once the index has loaded what the store held at start-up.",
			func(s S) float64 { return b2f(s.Ready) }),
		counter("sentrypeer_index_stale_events_total",
			"Events not indexed because they were older than the retention window.",
			func(s S) float64 { return float64(s.Stale) }),
		counter("sentrypeer_index_evicted_events_total",
			"Events dropped from the index early to stay within its size bound (--index-max-events) or its share of --memory-limit.",
			func(s S) float64 { return float64(s.Evicted) }),
		gauge("sentrypeer_index_bytes",
			"Memory the in-memory index holds.",
			func(s S) float64 { return float64(s.Bytes) }),
		gauge("sentrypeer_index_budget_bytes",
			"The index's share of --memory-limit (0: no budget but --index-max-events).",
			func(s S) float64 { return float64(s.MaxBytes) }),
	}}
}

func newLiveCollector(src LiveStats) prometheus.Collector {
	type S = live.Stats
	return &snapshot[S]{stats: src.Stats, fields: []field[S]{
		gauge("sentrypeer_api_live_subscribers",
			"Clients of the live event stream.",
			func(s S) float64 { return float64(s.Subscribers) }),
		counter("sentrypeer_api_live_events_delivered_total",
			"Events queued to live stream clients.",
			func(s S) float64 { return float64(s.Delivered) }),
		counter("sentrypeer_api_live_events_dropped_total",
			"Events a live stream client missed because it did not keep up.",
			func(s S) float64 { return float64(s.Dropped) }),
	}}
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
