package p2p

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"fmt"
	"net"
	"time"

	pubsub "github.com/libp2p/go-libp2p-pubsub"
	pb "github.com/libp2p/go-libp2p-pubsub/pb"
	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/sentrypeer/sentrypeer/internal/record"
)

// Peer score thresholds. One invalid message costs 20 points, n of them
// n²·20 (P4 is squared), against at most +20 for good behaviour (the topic
// cap) and +50 for a trusted peer: two invalid messages take an ordinary
// peer below the gossip and publish thresholds, three below the graylist,
// where pubsub ignores it and Node blocks and disconnects it.
var scoreThresholds = pubsub.PeerScoreThresholds{
	GossipThreshold:   -10,
	PublishThreshold:  -50,
	GraylistThreshold: -80,
	// Peer exchange only from trusted peers (app score +50 and more).
	AcceptPXThreshold:           50,
	OpportunisticGraftThreshold: 1,
}

const (
	invalidWeight = -20
	trustedScore  = 50
	// takerScore puts a peer that only takes below the publish and gossip
	// thresholds (no mesh, no gossip, no flood publish: it receives
	// nothing) but above the graylist (it is not cut off, and gets back in
	// once it contributes).
	takerScore    = -60
	scoreInterval = time.Second
	outQueue      = 1024
)

func (n *Node) scoreParams() *pubsub.PeerScoreParams {
	loop4 := &net.IPNet{IP: net.IPv4(127, 0, 0, 0), Mask: net.CIDRMask(8, 32)}
	loop6 := &net.IPNet{IP: net.IPv6loopback, Mask: net.CIDRMask(128, 128)}
	return &pubsub.PeerScoreParams{
		Topics: map[string]*pubsub.TopicScoreParams{Topic: {
			TopicWeight: 1,
			// P1: up to +3 after five minutes in the mesh.
			TimeInMeshWeight: 0.01, TimeInMeshQuantum: time.Second, TimeInMeshCap: 300,
			// P2: up to +10 for first deliveries, fading over ten minutes.
			FirstMessageDeliveriesWeight: 0.5,
			FirstMessageDeliveriesDecay:  pubsub.ScoreParameterDecay(10 * time.Minute),
			FirstMessageDeliveriesCap:    20,
			// P3 (mesh delivery deficit) is off: records are bursty and
			// rare in a quiet network, so honest peers would be punished.
			// P4: invalid messages, remembered for about an hour.
			InvalidMessageDeliveriesWeight: invalidWeight,
			InvalidMessageDeliveriesDecay:  pubsub.ScoreParameterDecay(time.Hour),
		}},
		TopicScoreCap: 20,
		AppSpecificScore: func(p peer.ID) float64 {
			switch {
			case n.blocks.trusted[p]:
				return trustedScore
			case n.takesOnly(p):
				return takerScore
			}
			return 0
		},
		AppSpecificWeight: 1,
		// P6: many peer IDs from one address is a Sybil sign; loopback is
		// exempt for tests and single-host benches.
		IPColocationFactorWeight:    -5,
		IPColocationFactorThreshold: 10,
		IPColocationFactorWhitelist: []*net.IPNet{loop4, loop6},
		// P7: protocol misbehaviour (bad GRAFTs, broken IWANT promises).
		BehaviourPenaltyWeight:    -1,
		BehaviourPenaltyThreshold: 6,
		BehaviourPenaltyDecay:     pubsub.ScoreParameterDecay(10 * time.Minute),
		DecayInterval:             pubsub.DefaultDecayInterval,
		DecayToZero:               pubsub.DefaultDecayToZero,
		RetainScore:               blockFor,
	}
}

// MessageID names a gossip message by its content, as every node must
// (pubsub.WithMessageIdFn). Messages carry no origin
// (pubsub.StrictNoSign): the record inside names and is signed by its
// reporter, so the same record reaching a node by any path is one message.
func MessageID(m *pb.Message) string {
	h := sha256.Sum256(m.Data)
	return string(h[:20])
}

// gossip is the pubsub state of a sharing node, alive during Run.
type gossip struct {
	ps    *pubsub.PubSub
	topic *pubsub.Topic
	sub   *pubsub.Subscription
}

func (n *Node) startGossip(ctx context.Context) (*gossip, error) {
	thr := scoreThresholds
	opts := []pubsub.Option{
		pubsub.WithLogger(n.log.With("part", "pubsub")),
		// Without flood publishing a record published before the mesh forms
		// (the first heartbeat) goes nowhere; records are small, so sending
		// our own to every topic peer is cheap and is what "within a
		// second" needs.
		pubsub.WithFloodPublish(true),
		// The record carries its reporter's signature, checked once per
		// node by validateGossip. A pubsub signature as well would cost a
		// second check, and pubsub checks it before deduplicating, so
		// every copy in flight was checked: 16 % of a node's CPU in
		// bench/p2p. Signed messages are refused and penalised.
		pubsub.WithMessageSignaturePolicy(pubsub.StrictNoSign),
		pubsub.WithMessageIdFn(MessageID),
		pubsub.WithPeerScore(n.scoreParams(), &thr),
		pubsub.WithPeerScoreInspect(pubsub.PeerScoreInspectFn(n.stats.setScores), scoreInterval),
		pubsub.WithBlacklist(n.blocks),
		pubsub.WithRawTracer(dropTracer{&n.stats.gossipSendDropped, &n.stats.gossipValidateDropped}),
		// A record is at most record.MaxEncodedSize; an RPC may batch many.
		pubsub.WithMaxMessageSize(1 << 20),
		// The default queues (32) silently drop most of a burst: the
		// aggregator may publish 1000 records at once, and each is one
		// message to each topic peer. At ~300 bytes a message, a full
		// queue costs ~300 KB per peer.
		pubsub.WithPeerOutboundQueueSize(outQueue),
		pubsub.WithValidateQueueSize(outQueue),
	}
	ps, err := pubsub.NewGossipSub(ctx, n.host, opts...)
	if err != nil {
		return nil, fmt.Errorf("p2p: starting gossipsub: %w", err)
	}
	if err := ps.RegisterTopicValidator(Topic, n.validateGossip); err != nil {
		return nil, fmt.Errorf("p2p: registering validator: %w", err)
	}
	t, err := ps.Join(Topic)
	if err != nil {
		return nil, fmt.Errorf("p2p: joining %s: %w", Topic, err)
	}
	sub, err := t.Subscribe(pubsub.WithBufferSize(256))
	if err != nil {
		return nil, fmt.Errorf("p2p: subscribing to %s: %w", Topic, err)
	}
	return &gossip{ps: ps, topic: t, sub: sub}, nil
}

// drain reads the subscription. Delivery to Received already happened in
// the validator; subscribing is what makes this node a topic member.
func (g *gossip) drain(ctx context.Context) {
	for {
		if _, err := g.sub.Next(ctx); err != nil {
			return
		}
	}
}

// publish sends one local record. Only records signed by this node's own
// key go out: this node relays others' records, it never originates them.
func (n *Node) publish(ctx context.Context, g *gossip, r *record.Record) {
	if !bytes.Equal(r.Reporter, n.pub) {
		n.stats.localRefused.Add(1)
		n.log.Warn("refusing to publish a record not signed by this node")
		return
	}
	if err := record.Validate(r, n.now(), n.cfg.Limits); err != nil {
		n.stats.localRefused.Add(1)
		n.log.Debug("not publishing an invalid local record", "reason", reasonOf(err))
		return
	}
	b, err := record.Marshal(r)
	if err != nil {
		n.stats.localRefused.Add(1)
		n.log.Debug("not publishing an unencodable local record", "err", err)
		return
	}
	// If it comes back to us through sync it is a duplicate.
	n.seen.add(digestOf(b))
	if err := g.topic.Publish(ctx, b); err != nil {
		if ctx.Err() == nil {
			n.log.Warn("publishing record failed", "err", err)
		}
		return
	}
	n.stats.published.Add(1)
	select {
	case n.shared <- struct{}{}:
	default:
	}
}

// blockLowScores blocks and disconnects peers whose score fell below the
// graylist threshold. pubsub already ignores them; blocking them in the
// gater also stops their sync, DHT and reconnection attempts.
func (n *Node) blockLowScores() {
	n.stats.mu.Lock()
	var bad []peer.ID
	for p, s := range n.stats.scores {
		if s < scoreThresholds.GraylistThreshold {
			bad = append(bad, p)
		}
	}
	n.stats.mu.Unlock()
	for _, p := range bad {
		n.cutOff(p, "score")
	}
}

// cutOff blocks p for blockFor and closes its connections. Trusted peers
// are never cut off.
func (n *Node) cutOff(p peer.ID, why string) {
	if !n.blocks.block(p, blockFor) {
		return
	}
	n.stats.peersBlocked.Add(1)
	n.log.Warn("blocking peer", "peer", p, "reason", why, "for", blockFor)
	n.host.Network().ClosePeer(p)
}

// takesOnly reports whether p has been connected for longer than the grace
// period without contributing a record of its own: share to receive.
func (n *Node) takesOnly(p peer.ID) bool {
	if n.cfg.History == nil {
		return false
	}
	var since time.Time
	for _, c := range n.host.Network().ConnsToPeer(p) {
		if o := c.Stat().Opened; since.IsZero() || o.Before(since) {
			since = o
		}
	}
	if since.IsZero() || time.Since(since) < n.cfg.TakerGrace {
		return false
	}
	pub, err := p.ExtractPublicKey()
	if err != nil {
		return true // not an Ed25519 identity: it cannot have reported anything
	}
	raw, err := pub.Raw()
	if err != nil || len(raw) != ed25519.PublicKeySize {
		return true
	}
	return !n.cfg.History.Contributed(ed25519.PublicKey(raw))
}
