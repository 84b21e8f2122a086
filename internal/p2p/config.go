package p2p

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/libp2p/go-libp2p/core/protocol"
	"github.com/multiformats/go-multiaddr"

	"github.com/sentrypeer/sentrypeer/internal/record"
)

// Names on the wire. The version is part of each name so that an
// incompatible change gets a new name instead of confusing old nodes.
const (
	// Topic is the GossipSub topic records are published on.
	Topic = "/sentrypeer/records/1"
	// SyncProtocol is the stream protocol for "records since my cursor".
	SyncProtocol protocol.ID = "/sentrypeer/sync/1"
	// DHTPrefix is the Kademlia protocol prefix: our own DHT, not IPFS's.
	DHTPrefix protocol.ID = "/sentrypeer"
	// Rendezvous is the DHT namespace sharing nodes advertise and look up.
	Rendezvous = "sentrypeer/records/1"
	// KeyFile and SyncFile are the files Node keeps in Config.DataDir.
	KeyFile  = "p2p-key"
	SyncFile = "p2p-sync.json"
)

// Defaults for the optional fields of [Config].
const (
	DefaultRate         = 500
	DefaultBurst        = 2000
	DefaultSyncInterval = 5 * time.Minute
	DefaultTakerGrace   = 30 * time.Minute
)

// Received takes the records a node accepted from the network.
type Received interface {
	// Receive stores records accepted from the network (validated).
	// from[i] is the peer that delivered recs[i] (not necessarily its
	// reporter); the two have the same length.
	//
	// Receive is called from one goroutine at a time for gossip and from
	// sync sessions concurrently with it, so it must be safe for concurrent
	// use. It must tolerate records it already holds: the same record can
	// arrive by gossip and again by sync. Both slices are owned by the
	// callee.
	Receive(ctx context.Context, recs []*record.Record, from []peer.ID) error
}

// History is the local record log that the sync protocol serves.
type History interface {
	// Since returns up to limit records with sequence > after (the order
	// they were stored here, local and remote), and the last sequence.
	Since(ctx context.Context, after uint64, limit int) ([]*record.Record, uint64, error)
	// Contributed reports whether key has reported a valid record stored
	// here within the retention window.
	Contributed(key ed25519.PublicKey) bool
}

// Config configures a [Node]. Only Received is required (when Share is
// true); every other zero field gets the default stated beside it.
type Config struct {
	// DataDir holds the identity key (KeyFile, mode 0600) and the sync
	// cursors (SyncFile). Default: the current directory.
	DataDir string
	// Listen is where the host listens. Default: TCP and QUIC on port 4001
	// of every IPv4 and IPv6 address.
	Listen []multiaddr.Multiaddr
	// Bootstrap peers are dialled at start and again while disconnected,
	// and seed the DHT.
	Bootstrap []peer.AddrInfo
	// MDNS turns on discovery of peers on the local network.
	MDNS bool
	// Share false opts out: no publish, no subscribe, no sync in either
	// direction. Such a node receives nothing.
	Share bool
	// Trust lists peers that are served history without having
	// contributed, and that are never blocked.
	Trust []peer.ID
	// Limits are applied to every record received (zero MaxAge and MaxSkew
	// mean 7 days and 2 minutes).
	Limits record.Limits
	// Received takes accepted records. Required when Share is true.
	Received Received
	// History is served to allowed peers; nil refuses every sync request.
	History History
	// Logger receives operational logs; nil discards them.
	Logger *slog.Logger

	// Rate and Burst bound the records accepted by gossip per originating
	// node, per second (default DefaultRate, DefaultBurst). Above them
	// records are ignored (not relayed, not penalised) and counted.
	Rate  float64
	Burst int
	// RelayLimit is how many distinct reporters of one (source IP, called
	// number) the node relays per RelayWindow (default DefaultRelayLimit,
	// at most 16; negative relays every valid record). Records beyond it
	// are stored and served by sync, not relayed.
	RelayLimit  int
	RelayWindow time.Duration
	// SyncInterval is how often a node syncs from one connected peer to
	// fill gaps gossip left (default DefaultSyncInterval).
	SyncInterval time.Duration
	// HidePrivate keeps private, loopback and link-local addresses out of
	// what the node announces to peers; nodes on a LAN or in tests leave it
	// false.
	HidePrivate bool
	// TakerGrace is how long a peer may stay connected without having
	// contributed a record (History.Contributed) before gossip stops
	// reaching it (default DefaultTakerGrace).
	TakerGrace time.Duration
}

// errConfig is wrapped by every configuration error from New.
var errConfig = errors.New("p2p: invalid config")

func (c *Config) withDefaults() (Config, error) {
	out := *c
	if out.Share && out.Received == nil {
		return out, fmt.Errorf("%w: Received is required when sharing", errConfig)
	}
	if out.DataDir == "" {
		out.DataDir = "."
	}
	if len(out.Listen) == 0 {
		for _, s := range []string{
			"/ip4/0.0.0.0/tcp/4001", "/ip4/0.0.0.0/udp/4001/quic-v1",
			"/ip6/::/tcp/4001", "/ip6/::/udp/4001/quic-v1",
		} {
			out.Listen = append(out.Listen, multiaddr.StringCast(s))
		}
	}
	if out.Limits.MaxAge == 0 {
		out.Limits.MaxAge = 7 * 24 * time.Hour
	}
	if out.Limits.MaxSkew == 0 {
		out.Limits.MaxSkew = 2 * time.Minute
	}
	if out.Logger == nil {
		out.Logger = slog.New(slog.DiscardHandler)
	}
	if out.TakerGrace <= 0 {
		out.TakerGrace = DefaultTakerGrace
	}
	if out.Rate <= 0 {
		out.Rate = DefaultRate
	}
	if out.Burst <= 0 {
		out.Burst = DefaultBurst
	}
	if out.SyncInterval <= 0 {
		out.SyncInterval = DefaultSyncInterval
	}
	if out.RelayLimit == 0 {
		out.RelayLimit = DefaultRelayLimit
	}
	if out.RelayWindow <= 0 {
		out.RelayWindow = DefaultRelayWindow
	}
	return out, nil
}
