package metrics

import (
	"context"
	"fmt"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/sentrypeer/sentrypeer/internal/block/bgp"
)

// BGPStats is implemented by [*bgp.Blocker].
type BGPStats interface {
	Status(ctx context.Context) bgp.Status
}

var _ BGPStats = (*bgp.Blocker)(nil)

// RegisterBGP reports the blackhole speaker, per neighbour.
func (m *Metrics) RegisterBGP(src BGPStats) error {
	l := []string{"neighbor"}
	return m.register("bgp", &bgpCollector{src: src,
		announced:  prometheus.NewDesc("sentrypeer_bgp_routes_announced", "Routes the BGP speaker announces.", nil, nil),
		up:         prometheus.NewDesc("sentrypeer_bgp_neighbor_established", "1 while the session with the neighbour is established.", l, nil),
		uptime:     prometheus.NewDesc("sentrypeer_bgp_neighbor_uptime_seconds", "How long the session has been established.", l, nil),
		advertised: prometheus.NewDesc("sentrypeer_bgp_neighbor_routes_advertised", "Routes sent to the neighbour.", l, nil),
	})
}

type bgpCollector struct {
	src                               BGPStats
	announced, up, uptime, advertised *prometheus.Desc
}

func (c *bgpCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.announced
	ch <- c.up
	ch <- c.uptime
	ch <- c.advertised
}

func (c *bgpCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	s := c.src.Status(ctx)
	ch <- prometheus.MustNewConstMetric(c.announced, prometheus.GaugeValue, float64(s.Announced))
	for _, n := range s.Neighbors {
		name := fmt.Sprintf("%s:%d", n.Addr, n.Port)
		ch <- prometheus.MustNewConstMetric(c.up, prometheus.GaugeValue, b2f(n.State == "established"), name)
		ch <- prometheus.MustNewConstMetric(c.uptime, prometheus.GaugeValue, float64(n.Uptime), name)
		ch <- prometheus.MustNewConstMetric(c.advertised, prometheus.GaugeValue, float64(n.Advertised), name)
	}
}
