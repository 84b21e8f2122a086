package metrics

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/sentrypeer/sentrypeer/internal/block"
)

// BlockerStats reports every blocker's state.
type BlockerStats interface{ Status() []block.Status }

// DropCounter reads the packets a firewall blocker dropped, by family.
type DropCounter func() (map[string]uint64, error)

// RegisterBlockers reports each blocker's runner, and drops, when given.
func (m *Metrics) RegisterBlockers(src BlockerStats, drops DropCounter) error {
	return m.register("blockers", newBlockerCollector(src, drops))
}

type blockerCollector struct {
	src                                      BlockerStats
	drops                                    DropCounter
	held, inSync, syncs, applies, errs, lost *prometheus.Desc
	dropped                                  *prometheus.Desc
}

func newBlockerCollector(src BlockerStats, drops DropCounter) *blockerCollector {
	l := []string{"blocker"}
	return &blockerCollector{
		src: src, drops: drops,
		held:    prometheus.NewDesc("sentrypeer_blocker_elements", "Elements a blocker holds (set elements; decisions a bouncer was sent).", l, nil),
		inSync:  prometheus.NewDesc("sentrypeer_blocker_in_sync", "1 when the blocker's last call succeeded (a bouncer: it pulled since start-up).", l, nil),
		syncs:   prometheus.NewDesc("sentrypeer_blocker_reconciles_total", "Times the blocker converged on the whole set of decisions.", l, nil),
		applies: prometheus.NewDesc("sentrypeer_blocker_applies_total", "Batches of changes the blocker applied.", l, nil),
		errs:    prometheus.NewDesc("sentrypeer_blocker_errors_total", "Failed calls of the blocker (each is followed by a reconcile).", l, nil),
		lost:    prometheus.NewDesc("sentrypeer_blocker_changes_missed_total", "Times the blocker fell behind the changes and converged on the whole set.", l, nil),
		dropped: prometheus.NewDesc("sentrypeer_nft_dropped_packets_total", "Packets dropped by the nftables chain's rules, by family.", []string{"family"}, nil),
	}
}

func (c *blockerCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{c.held, c.inSync, c.syncs, c.applies, c.errs, c.lost, c.dropped} {
		ch <- d
	}
}

func (c *blockerCollector) Collect(ch chan<- prometheus.Metric) {
	for _, s := range c.src.Status() {
		ch <- prometheus.MustNewConstMetric(c.held, prometheus.GaugeValue, float64(s.Held), s.Name)
		ch <- prometheus.MustNewConstMetric(c.inSync, prometheus.GaugeValue, b2f(s.InSync), s.Name)
		ch <- prometheus.MustNewConstMetric(c.syncs, prometheus.CounterValue, float64(s.Syncs), s.Name)
		ch <- prometheus.MustNewConstMetric(c.applies, prometheus.CounterValue, float64(s.Applies), s.Name)
		ch <- prometheus.MustNewConstMetric(c.errs, prometheus.CounterValue, float64(s.Errors), s.Name)
		ch <- prometheus.MustNewConstMetric(c.lost, prometheus.CounterValue, float64(s.Lost), s.Name)
	}
	if c.drops == nil {
		return
	}
	if d, err := c.drops(); err == nil {
		for fam, n := range d {
			ch <- prometheus.MustNewConstMetric(c.dropped, prometheus.CounterValue, float64(n), fam)
		}
	}
}
