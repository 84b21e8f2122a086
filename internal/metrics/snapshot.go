package metrics

import "github.com/prometheus/client_golang/prometheus"

// field is one unlabelled metric read from a Stats snapshot of type S.
type field[S any] struct {
	desc  *prometheus.Desc
	kind  prometheus.ValueType
	value func(S) float64
}

func counter[S any](name, help string, value func(S) float64) field[S] {
	return field[S]{prometheus.NewDesc(name, help, nil, nil), prometheus.CounterValue, value}
}

func gauge[S any](name, help string, value func(S) float64) field[S] {
	return field[S]{prometheus.NewDesc(name, help, nil, nil), prometheus.GaugeValue, value}
}

// snapshot is a [prometheus.Collector] that takes one Stats snapshot per
// scrape and reports each field of it as a constant metric, so that all
// fields of a scrape come from the same instant and a scrape has no side
// effect.
type snapshot[S any] struct {
	stats  func() S
	fields []field[S]
}

func (c *snapshot[S]) Describe(ch chan<- *prometheus.Desc) {
	for _, f := range c.fields {
		ch <- f.desc
	}
}

func (c *snapshot[S]) Collect(ch chan<- prometheus.Metric) {
	s := c.stats()
	for _, f := range c.fields {
		ch <- prometheus.MustNewConstMetric(f.desc, f.kind, f.value(s))
	}
}
