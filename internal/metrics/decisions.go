package metrics

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/sentrypeer/sentrypeer/internal/decision"
)

// DecisionStats is implemented by [*decision.Engine].
type DecisionStats interface{ Stats() decision.Stats }

var _ DecisionStats = (*decision.Engine)(nil)

// RegisterDecisions reports the set every blocker follows.
func (m *Metrics) RegisterDecisions(src DecisionStats) error {
	return m.register("decisions", newDecisionCollector(src))
}

type decisionCollector struct {
	src                        DecisionStats
	held, evicted, refused, ig *prometheus.Desc
}

func newDecisionCollector(src DecisionStats) *decisionCollector {
	return &decisionCollector{
		src: src,
		held: prometheus.NewDesc("sentrypeer_decisions",
			"Decisions held, by origin (local, peers, trusted, manual).", []string{"origin"}, nil),
		evicted: prometheus.NewDesc("sentrypeer_decisions_evicted_total",
			"Decisions dropped, or not made, to stay within --block-max (the weakest evidence first).", nil, nil),
		refused: prometheus.NewDesc("sentrypeer_decisions_refused_total",
			"Sightings of addresses that are never blocked (--allow, own, peers', loopback, bogons).", nil, nil),
		ig: prometheus.NewDesc("sentrypeer_decisions_ignored_total",
			"Sightings of values the operator unblocked, or unproven ones with --block-evidence proven.", nil, nil),
	}
}

func (c *decisionCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.held
	ch <- c.evicted
	ch <- c.refused
	ch <- c.ig
}

func (c *decisionCollector) Collect(ch chan<- prometheus.Metric) {
	s := c.src.Stats()
	for o := decision.Local; o <= decision.Manual; o++ {
		ch <- prometheus.MustNewConstMetric(c.held, prometheus.GaugeValue, float64(s.ByOrigin[o]), o.String())
	}
	ch <- prometheus.MustNewConstMetric(c.evicted, prometheus.CounterValue, float64(s.Evicted))
	ch <- prometheus.MustNewConstMetric(c.refused, prometheus.CounterValue, float64(s.Refused))
	ch <- prometheus.MustNewConstMetric(c.ig, prometheus.CounterValue, float64(s.Ignored))
}
