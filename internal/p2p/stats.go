package p2p

import (
	"maps"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/multiformats/go-multiaddr"
)

// Rejection labels added to the [record.Reason] labels in Stats.Rejected.
const (
	ReasonDuplicate = "duplicate" // already accepted (or our own record)
	ReasonRate      = "rate"      // reporter over its token bucket
)

// Stats is a snapshot of a node's counters since it was created.
type Stats struct {
	// Peers is the number of peers connected now, TopicPeers those of
	// them in the records topic, Blocked the number refused now.
	Peers      int
	TopicPeers int
	Blocked    int
	// Published counts local records sent to gossip; LocalRefused those
	// Run was given but did not publish (not signed with this node's key,
	// invalid, or sharing is off).
	Published    uint64
	LocalRefused uint64
	// ReceivedGossip and ReceivedSync count records accepted and queued for
	// Received; Dropped those accepted from gossip but lost because the
	// queue to Received was full; ReceiveErrors the failed Receive calls.
	ReceivedGossip uint64
	ReceivedSync   uint64
	Dropped        uint64
	ReceiveErrors  uint64
	// GossipSendDropped counts records pubsub did not send to a peer
	// because that peer's outbound queue was full; GossipValidateDropped
	// those it received but threw away unchecked because the validation
	// queue was full. Gossip does not resend either; sync fills the gap.
	GossipSendDropped     uint64
	GossipValidateDropped uint64
	// NotRelayed counts valid records stored here but not passed on: their
	// (IP, number) already had RelayLimit reporters relayed this window.
	NotRelayed uint64
	// Rejected counts refused records by reason: the [record.Reason]
	// labels and ReasonDuplicate, ReasonRate.
	Rejected map[string]uint64
	// SyncServed and SyncRefused count sync requests answered and refused
	// here; SyncRequests those made to peers, SyncRefusedBy those refused
	// by them, SyncFailed those that failed (network, protocol).
	SyncServed    uint64
	SyncRefused   uint64
	SyncRequests  uint64
	SyncRefusedBy uint64
	SyncFailed    uint64
	// PeersBlocked counts peers blocked for misbehaviour.
	PeersBlocked uint64
	// BytesIn and BytesOut count bytes on all libp2p streams.
	BytesIn, BytesOut int64
}

// PeerInfo describes one connected peer.
type PeerInfo struct {
	ID    peer.ID
	Addrs []multiaddr.Multiaddr
	// Since is when the oldest open connection to the peer was opened.
	Since time.Time
	// Received counts records accepted from this peer (gossip it delivered
	// and sync it served), whoever reported them.
	Received uint64
	// Score is the GossipSub score; HasScore is false when the peer has no
	// score yet (not in the topic, or sharing is off).
	Score    float64
	HasScore bool
	Trusted  bool
	// History is what became of this node's requests for the peer's
	// history (see [HistoryState]). When it is HistoryRefused,
	// HistoryRefusedReason says why as far as this node can tell ("this
	// node has not shared a record yet", or, once it has, "the peer holds
	// no recent record from this node") and HistoryRefusedAt when the peer
	// last refused.
	History              HistoryState
	HistoryRefusedReason string
	HistoryRefusedAt     time.Time
}

// counters are the node's statistics. Safe for concurrent use.
type counters struct {
	published, localRefused                              atomic.Uint64
	receivedGossip, receivedSync, dropped, receiveErrors atomic.Uint64
	syncServed, syncRefused, syncRequests, syncRefusedBy atomic.Uint64
	syncFailed, peersBlocked                             atomic.Uint64
	gossipSendDropped, gossipValidateDropped             atomic.Uint64
	notRelayed                                           atomic.Uint64

	mu       sync.Mutex
	rejected map[string]uint64
	perPeer  map[peer.ID]uint64
	scores   map[peer.ID]float64
}

func newCounters() *counters {
	return &counters{rejected: map[string]uint64{}, perPeer: map[peer.ID]uint64{}, scores: map[peer.ID]float64{}}
}

func (c *counters) reject(reason string) {
	c.mu.Lock()
	c.rejected[reason]++
	c.mu.Unlock()
}

func (c *counters) received(from peer.ID, n int) {
	c.mu.Lock()
	c.perPeer[from] += uint64(n)
	c.mu.Unlock()
}

func (c *counters) setScores(s map[peer.ID]float64) {
	c.mu.Lock()
	c.scores = s
	c.mu.Unlock()
}

func (c *counters) score(p peer.ID) (float64, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	s, ok := c.scores[p]
	return s, ok
}

// forget drops per-peer counts of peers no longer connected, to bound them.
func (c *counters) forget(connected func(peer.ID) bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for p := range c.perPeer {
		if !connected(p) {
			delete(c.perPeer, p)
		}
	}
}

func (c *counters) snapshot() Stats {
	c.mu.Lock()
	rej := maps.Clone(c.rejected)
	c.mu.Unlock()
	return Stats{
		Published:             c.published.Load(),
		LocalRefused:          c.localRefused.Load(),
		ReceivedGossip:        c.receivedGossip.Load(),
		ReceivedSync:          c.receivedSync.Load(),
		Dropped:               c.dropped.Load(),
		GossipSendDropped:     c.gossipSendDropped.Load(),
		GossipValidateDropped: c.gossipValidateDropped.Load(),
		NotRelayed:            c.notRelayed.Load(),
		ReceiveErrors:         c.receiveErrors.Load(),
		Rejected:              rej,
		SyncServed:            c.syncServed.Load(),
		SyncRefused:           c.syncRefused.Load(),
		SyncRequests:          c.syncRequests.Load(),
		SyncRefusedBy:         c.syncRefusedBy.Load(),
		SyncFailed:            c.syncFailed.Load(),
		PeersBlocked:          c.peersBlocked.Load(),
	}
}

// Stats returns a snapshot of the node's counters. Safe to call at any
// time, also before Run and after it returned.
func (n *Node) Stats() Stats {
	s := n.stats.snapshot()
	s.Peers = len(n.host.Network().Peers())
	s.Blocked = n.blocks.expire()
	if g := n.gossip.Load(); g != nil {
		s.TopicPeers = len(g.topic.ListPeers())
	}
	if n.bw != nil {
		t := n.bw.GetBandwidthTotals()
		s.BytesIn, s.BytesOut = t.TotalIn, t.TotalOut
	}
	return s
}

// Peers describes the peers connected now, sorted by peer ID. Safe to call
// at any time.
func (n *Node) Peers() []PeerInfo {
	net := n.host.Network()
	ids := net.Peers()
	slices.Sort(ids)
	out := make([]PeerInfo, 0, len(ids))
	n.stats.mu.Lock()
	recv := maps.Clone(n.stats.perPeer)
	n.stats.mu.Unlock()
	for _, p := range ids {
		pi := PeerInfo{ID: p, Received: recv[p], Trusted: n.blocks.trusted[p]}
		for _, c := range net.ConnsToPeer(p) {
			pi.Addrs = append(pi.Addrs, c.RemoteMultiaddr())
			if o := c.Stat().Opened; pi.Since.IsZero() || o.Before(pi.Since) {
				pi.Since = o
			}
		}
		pi.Score, pi.HasScore = n.stats.score(p)
		pi.History = HistoryNone
		if n.cfg.Share {
			if ok, _ := n.host.Peerstore().SupportsProtocols(p, SyncProtocol); len(ok) > 0 {
				pi.History = HistoryPending
			}
		}
		if ph, ok := n.hists.get(p); ok {
			pi.History, pi.HistoryRefusedReason, pi.HistoryRefusedAt = ph.state, ph.reason, ph.at
		}
		out = append(out, pi)
	}
	return out
}
