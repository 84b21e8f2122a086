package p2p

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"sync/atomic"
	"time"

	"github.com/libp2p/go-libp2p"
	"github.com/libp2p/go-libp2p/core/crypto"
	"github.com/libp2p/go-libp2p/core/host"
	"github.com/libp2p/go-libp2p/core/metrics"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/libp2p/go-libp2p/p2p/muxer/yamux"
	"github.com/libp2p/go-libp2p/p2p/net/connmgr"
	"github.com/libp2p/go-libp2p/p2p/security/noise"
	quic "github.com/libp2p/go-libp2p/p2p/transport/quic"
	"github.com/libp2p/go-libp2p/p2p/transport/tcp"
	"github.com/multiformats/go-multiaddr"
	manet "github.com/multiformats/go-multiaddr/net"

	"github.com/sentrypeer/sentrypeer/internal/record"
)

// Connection manager water marks. Full replication means a node needs only
// enough peers for a healthy GossipSub mesh (D=6, up to 12) plus DHT and
// sync traffic; above highWater the least useful connections are trimmed
// down to lowWater, sparing mesh peers (pubsub tags them) and protected
// bootstrap and trusted peers.
const (
	lowWater    = 64
	highWater   = 256
	connGrace   = time.Minute
	seenRecords = 200000 // per generation of the seen set: ~7 MB at most
	queueSize   = 4096   // accepted gossip records waiting for Received
)

// ErrRunning is returned by a second call to Run.
var ErrRunning = errors.New("p2p: node already running")

// Node is one SentryPeer peer-to-peer engine. Its methods are safe for
// concurrent use; Run may be called once.
type Node struct {
	cfg  Config
	log  *slog.Logger
	now  func() time.Time
	key  crypto.PrivKey
	pub  ed25519.PublicKey // the identity key, as records carry it
	host host.Host
	bw   *metrics.BandwidthCounter

	blocks  *blocklist
	stats   *counters
	seen    *seenSet
	limit   *limiter
	relays  *relayBound
	cursors *cursors
	hists   *histories
	queue   chan delivery
	// shared wakes syncLoop when a local record went out (one pending
	// wake-up is enough: it only looks at who refused history).
	shared  chan struct{}
	running atomic.Bool
	gossip  atomic.Pointer[gossip] // set while Run shares
}

// delivery is a record accepted from gossip on its way to Received.
type delivery struct {
	rec  *record.Record
	from peer.ID
}

// New loads or creates the identity key and starts the host listening on
// cfg.Listen. It starts no discovery, gossip or sync: [Node.Run] does. The
// host is closed when ctx is done or when Run returns, whichever is first.
func New(ctx context.Context, cfg Config) (*Node, error) {
	c, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	key, err := LoadOrCreateKey(c.DataDir)
	if err != nil {
		return nil, err
	}
	sk, err := SigningKey(key)
	if err != nil {
		return nil, err
	}
	cur, err := loadCursors(filepath.Join(c.DataDir, SyncFile))
	if err != nil {
		return nil, err
	}
	n := &Node{
		cfg:     c,
		log:     c.Logger.With("component", "p2p"),
		now:     time.Now,
		key:     key,
		pub:     sk.Public().(ed25519.PublicKey),
		bw:      metrics.NewBandwidthCounter(),
		stats:   newCounters(),
		seen:    newSeenSet(seenRecords),
		limit:   newLimiter(c.Rate, c.Burst),
		relays:  newRelayBound(c.RelayLimit, c.RelayWindow),
		cursors: cur,
		hists:   newHistories(),
		queue:   make(chan delivery, queueSize),
		shared:  make(chan struct{}, 1),
	}
	n.blocks = newBlocklist(n.now, c.Trust)
	cm, err := connmgr.NewConnManager(lowWater, highWater, connmgr.WithGracePeriod(connGrace))
	if err != nil {
		return nil, fmt.Errorf("p2p: connection manager: %w", err)
	}
	n.host, err = libp2p.New(
		libp2p.Identity(key),
		libp2p.ListenAddrs(c.Listen...),
		libp2p.Transport(tcp.NewTCPTransport),
		libp2p.Transport(quic.NewTransport),
		libp2p.Security(noise.ID, noise.New),
		libp2p.Muxer(yamux.ID, yamux.DefaultTransport),
		libp2p.ConnectionManager(cm),
		libp2p.ConnectionGater(n.blocks),
		libp2p.BandwidthReporter(n.bw),
		// Honeypots have public addresses; no relays, and no libp2p
		// metrics on the global Prometheus registry (ours are in Stats).
		libp2p.DisableRelay(),
		libp2p.DisableMetrics(),
		libp2p.UserAgent("sentrypeer"),
		libp2p.AddrsFactory(announced(c.HidePrivate)),
	)
	if err != nil {
		return nil, fmt.Errorf("p2p: starting host: %w", err)
	}
	for _, p := range c.Trust {
		cm.Protect(p, "sentrypeer-trust")
	}
	for _, ai := range c.Bootstrap {
		cm.Protect(ai.ID, "sentrypeer-bootstrap")
	}
	h := n.host
	context.AfterFunc(ctx, func() { h.Close() })
	return n, nil
}

// ID is the node's peer ID, derived from its identity key.
func (n *Node) ID() peer.ID { return n.host.ID() }

// Addrs returns the addresses others can dial this node on, each with the
// /p2p/<id> suffix, as bootstrap addresses for other nodes.
// announced returns the filter of the addresses the host tells peers
// (identify, the DHT, mDNS): with hide, only public ones, so that a node
// does not tell the network its LAN or loopback addresses.
func announced(hide bool) func([]multiaddr.Multiaddr) []multiaddr.Multiaddr {
	return func(addrs []multiaddr.Multiaddr) []multiaddr.Multiaddr {
		if !hide {
			return addrs
		}
		out := make([]multiaddr.Multiaddr, 0, len(addrs))
		for _, a := range addrs {
			if manet.IsPublicAddr(a) {
				out = append(out, a)
			}
		}
		return out
	}
}

// Addrs returns the full multiaddrs the node announces (see
// Config.HidePrivate), each ending in /p2p/ID.
func (n *Node) Addrs() []multiaddr.Multiaddr {
	out, err := peer.AddrInfoToP2pAddrs(&peer.AddrInfo{ID: n.host.ID(), Addrs: n.host.Addrs()})
	if err != nil {
		return nil
	}
	return out
}
