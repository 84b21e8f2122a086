package metrics

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/sentrypeer/sentrypeer/internal/event"
)

// busCollector reports each bus subscription ("sink") as one label value.
type busCollector struct {
	src                                 BusStats
	delivered, dropped, depth, capacity *prometheus.Desc
}

func newBusCollector(src BusStats) *busCollector {
	l := []string{"sink"}
	return &busCollector{
		src: src,
		delivered: prometheus.NewDesc("sentrypeer_sink_events_delivered_total",
			"Events the bus put on a sink's queue.", l, nil),
		dropped: prometheus.NewDesc("sentrypeer_sink_events_dropped_total",
			"Events the bus dropped for a sink because its queue was full or the bus was closed.", l, nil),
		depth: prometheus.NewDesc("sentrypeer_sink_queue_depth",
			"Events waiting in a sink's queue.", l, nil),
		capacity: prometheus.NewDesc("sentrypeer_sink_queue_capacity",
			"Size of a sink's queue.", l, nil),
	}
}

func (c *busCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.delivered
	ch <- c.dropped
	ch <- c.depth
	ch <- c.capacity
}

func (c *busCollector) Collect(ch chan<- prometheus.Metric) {
	for _, s := range mergeByName(c.src.Stats()) {
		ch <- prometheus.MustNewConstMetric(c.delivered, prometheus.CounterValue, float64(s.Delivered), s.Name)
		ch <- prometheus.MustNewConstMetric(c.dropped, prometheus.CounterValue, float64(s.Dropped), s.Name)
		ch <- prometheus.MustNewConstMetric(c.depth, prometheus.GaugeValue, float64(s.Queued), s.Name)
		ch <- prometheus.MustNewConstMetric(c.capacity, prometheus.GaugeValue, float64(s.Capacity), s.Name)
	}
}

// mergeByName sums subscriptions that share a name: the bus allows it, and
// two series with the same labels would make the whole scrape fail.
func mergeByName(in []event.Stats) []event.Stats {
	out := make([]event.Stats, 0, len(in))
	at := make(map[string]int, len(in))
	for _, s := range in {
		i, ok := at[s.Name]
		if !ok {
			at[s.Name] = len(out)
			out = append(out, s)
			continue
		}
		o := &out[i]
		o.Capacity += s.Capacity
		o.Queued += s.Queued
		o.Delivered += s.Delivered
		o.Dropped += s.Dropped
	}
	return out
}
