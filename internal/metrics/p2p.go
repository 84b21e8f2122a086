package metrics

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/sentrypeer/sentrypeer/internal/p2p"
	"github.com/sentrypeer/sentrypeer/internal/share"
)

// P2PStats is implemented by [*p2p.Node].
type P2PStats interface{ Stats() p2p.Stats }

// ShareStats is implemented by [*share.Aggregator].
type ShareStats interface{ Stats() share.Stats }

var (
	_ P2PStats   = (*p2p.Node)(nil)
	_ ShareStats = (*share.Aggregator)(nil)
)

// RegisterP2P reports the peer-to-peer node's peers, records in and out,
// rejections by reason, sync and traffic.
func (m *Metrics) RegisterP2P(src P2PStats) error {
	return m.register("p2p", newP2PCollector(src))
}

// RegisterShare reports how local events became shared records.
func (m *Metrics) RegisterShare(src ShareStats) error {
	return m.register("share", newShareCollector(src))
}

// p2pCollector reads the node's Stats at scrape time; Rejected is a map,
// so it is a collector of its own rather than only a snapshot of fields.
type p2pCollector struct {
	src                       P2PStats
	plain                     []field[p2p.Stats]
	rejected, received, bytes *prometheus.Desc
}

func newP2PCollector(src P2PStats) *p2pCollector {
	return &p2pCollector{
		src:   src,
		plain: p2pFields(),
		rejected: prometheus.NewDesc("sentrypeer_p2p_records_rejected_total",
			"Records from peers refused, by reason (signature, stale, future, ip, origin, duplicate, rate, ...).", []string{"reason"}, nil),
		received: prometheus.NewDesc("sentrypeer_p2p_records_received_total",
			"Records from peers accepted, by how they came (gossip or sync).", []string{"via"}, nil),
		bytes: prometheus.NewDesc("sentrypeer_p2p_bytes_total",
			"Bytes on peer-to-peer streams, by direction.", []string{"direction"}, nil),
	}
}

func p2pFields() []field[p2p.Stats] {
	type S = p2p.Stats
	return []field[S]{
		gauge("sentrypeer_p2p_peers", "Peers connected now.", func(s S) float64 { return float64(s.Peers) }),
		gauge("sentrypeer_p2p_topic_peers", "Connected peers in the records topic.", func(s S) float64 { return float64(s.TopicPeers) }),
		gauge("sentrypeer_p2p_blocked_peers", "Peers refused now for misbehaving.", func(s S) float64 { return float64(s.Blocked) }),
		counter("sentrypeer_p2p_peers_blocked_total", "Times a peer was blocked for misbehaving.", func(s S) float64 { return float64(s.PeersBlocked) }),
		counter("sentrypeer_p2p_records_published_total", "This node's records published.", func(s S) float64 { return float64(s.Published) }),
		counter("sentrypeer_p2p_local_records_refused_total", "This node's records not published (sharing off, or invalid).", func(s S) float64 { return float64(s.LocalRefused) }),
		counter("sentrypeer_p2p_records_dropped_total", "Records accepted from gossip but dropped: the queue to the store was full.", func(s S) float64 { return float64(s.Dropped) }),
		counter("sentrypeer_p2p_gossip_send_dropped_total", "Records pubsub did not send to a peer: its outbound queue was full (sync fills the gap).", func(s S) float64 { return float64(s.GossipSendDropped) }),
		counter("sentrypeer_p2p_gossip_validate_dropped_total", "Records received from gossip and thrown away unchecked: the validation queue was full (sync fills the gap).", func(s S) float64 { return float64(s.GossipValidateDropped) }),
		counter("sentrypeer_p2p_records_not_relayed_total", "Valid records stored but not relayed: their IP and number had enough reporters relayed this window.", func(s S) float64 { return float64(s.NotRelayed) }),
		counter("sentrypeer_p2p_receive_errors_total", "Failed attempts to store received records.", func(s S) float64 { return float64(s.ReceiveErrors) }),
		counter("sentrypeer_p2p_sync_served_total", "Sync requests answered.", func(s S) float64 { return float64(s.SyncServed) }),
		counter("sentrypeer_p2p_sync_refused_total", "Sync requests refused (the peer never contributed and is not trusted).", func(s S) float64 { return float64(s.SyncRefused) }),
		counter("sentrypeer_p2p_sync_requests_total", "Sync requests made to peers.", func(s S) float64 { return float64(s.SyncRequests) }),
		counter("sentrypeer_p2p_sync_refused_by_peers_total", "Sync requests peers refused.", func(s S) float64 { return float64(s.SyncRefusedBy) }),
		counter("sentrypeer_p2p_sync_failed_total", "Sync requests that failed.", func(s S) float64 { return float64(s.SyncFailed) }),
	}
}

func (c *p2pCollector) Describe(ch chan<- *prometheus.Desc) {
	(&snapshot[p2p.Stats]{fields: c.plain}).Describe(ch)
	ch <- c.rejected
	ch <- c.received
	ch <- c.bytes
}

func (c *p2pCollector) Collect(ch chan<- prometheus.Metric) {
	s := c.src.Stats()
	(&snapshot[p2p.Stats]{stats: func() p2p.Stats { return s }, fields: c.plain}).Collect(ch)
	for reason, n := range s.Rejected {
		ch <- prometheus.MustNewConstMetric(c.rejected, prometheus.CounterValue, float64(n), reason)
	}
	ch <- prometheus.MustNewConstMetric(c.received, prometheus.CounterValue, float64(s.ReceivedGossip), "gossip")
	ch <- prometheus.MustNewConstMetric(c.received, prometheus.CounterValue, float64(s.ReceivedSync), "sync")
	ch <- prometheus.MustNewConstMetric(c.bytes, prometheus.CounterValue, float64(s.BytesIn), "in")
	ch <- prometheus.MustNewConstMetric(c.bytes, prometheus.CounterValue, float64(s.BytesOut), "out")
}

func newShareCollector(src ShareStats) prometheus.Collector {
	type S = share.Stats
	return &snapshot[S]{stats: src.Stats, fields: []field[S]{
		counter("sentrypeer_share_events_total", "Local events the aggregator saw.", func(s S) float64 { return float64(s.Events) }),
		counter("sentrypeer_share_events_not_shared_total", "Local events never shared: allowlisted, private or invalid sources.", func(s S) float64 { return float64(s.Allowlisted + s.Private + s.Invalid) }),
		counter("sentrypeer_share_events_folded_total", "Sightings folded into a pending update.", func(s S) float64 { return float64(s.Folded) }),
		counter("sentrypeer_share_records_total", "Records made from local events.", func(s S) float64 { return float64(s.Records) }),
		counter("sentrypeer_share_records_deferred_total", "First sightings held for the next flush by the publish budget.", func(s S) float64 { return float64(s.Deferred) }),
		counter("sentrypeer_share_dropped_total", "Sightings or records lost: too many keys, or the output full at shutdown.", func(s S) float64 { return float64(s.DroppedMaxKeys + s.DroppedFull) }),
		gauge("sentrypeer_share_keys", "Attacker keys being aggregated now.", func(s S) float64 { return float64(s.Keys) }),
	}}
}
