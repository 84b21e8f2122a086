//go:build !lite

package daemon

import (
	"context"
	"fmt"
	"net/netip"

	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/multiformats/go-multiaddr"

	"github.com/sentrypeer/sentrypeer/internal/event"
	"github.com/sentrypeer/sentrypeer/internal/history"
	"github.com/sentrypeer/sentrypeer/internal/httpapi"
	"github.com/sentrypeer/sentrypeer/internal/p2p"
	"github.com/sentrypeer/sentrypeer/internal/record"
	"github.com/sentrypeer/sentrypeer/internal/share"
	"github.com/sentrypeer/sentrypeer/internal/store"
)

// shareQueue is the aggregator's queue. Smaller than the store's on
// purpose: every queued event keeps its raw message alive, and under a
// flood a deep queue here cost 30 MB resident for sightings that fold into
// a few records anyway. Events it drops are counted like any sink's.
const shareQueue = 4096

// peerSet is the peer-to-peer side: the aggregator turning local events
// into records, the history of shared records, and the libp2p node.
type peerSet struct {
	agg     *share.Aggregator
	history *history.History
	node    *p2p.Node
}

// peers sets up sharing, when on. The aggregator is subscribed to bus here,
// with the other sinks, before any listener starts. Peers' stored records
// are loaded into the index with the events (or at once without an index).
// Lite builds have no peers (p2p_lite.go).
func (d *Daemon) peers(ctx context.Context, bus *event.Bus, st *store.Store, sinks *sinkSet) (*peerSet, error) {
	cfg := &d.cfg
	if !cfg.Sharing() {
		d.logger.Warn("peer-to-peer sharing is off: this node shares nothing and receives nothing from peers; " +
			"to share (the default), drop --no-share, or set -p / SENTRYPEER_PEER_TO_PEER=true")
		return nil, nil
	}
	key, err := p2p.LoadOrCreateKey(cfg.DataDir)
	if err != nil {
		return nil, err
	}
	signing, err := p2p.SigningKey(key)
	if err != nil {
		return nil, err
	}
	listen, err := multiaddrs(cfg.P2PListen, "--p2p-listen")
	if err != nil {
		return nil, err
	}
	boot, err := bootstrap(cfg.BootstrapNodes)
	if err != nil {
		return nil, err
	}
	trust, _, err := trustedPeers(cfg.P2PTrust)
	if err != nil {
		return nil, err
	}

	var idx history.Index
	if sinks.index != nil {
		idx = &enforcedReports{idx: sinks.index, eng: sinks.decisions}
	}
	ps := &peerSet{history: history.New(st, idx, cfg.MaxAge, d.logger.With("component", "history"))}
	ps.agg = share.New(share.Config{Key: signing, Interval: cfg.P2PInterval, Allow: cfg.Allow, AllowPrivate: cfg.P2PAllowPrivate,
		ShareDestination: cfg.P2PShareDestination, ShareRaw: cfg.P2PShareRaw})
	if cfg.P2PShareDestination || cfg.P2PShareRaw {
		d.logger.Warn("sharing more than the attacker with peers, as configured",
			"honeypot_address", cfg.P2PShareDestination, "raw_sip", cfg.P2PShareRaw)
	}
	sub, err := bus.Subscribe("share", shareQueue)
	if err != nil {
		return nil, err
	}
	sinks.all = append(sinks.all, namedSink{name: "share", sink: ps.agg, sub: sub})

	ps.node, err = p2p.New(ctx, p2p.Config{
		DataDir:   cfg.DataDir,
		Listen:    listen,
		Bootstrap: boot,
		MDNS:      cfg.P2PMDNS,
		// A honeypot's LAN and loopback addresses are its own business.
		HidePrivate: !cfg.P2PAllowPrivate,
		Share:       true,
		Trust:       trust,
		RelayLimit:  cfg.P2PQuorum + p2p.RelayExtra,
		Limits:      record.Limits{MaxAge: cfg.MaxAge, AllowPrivate: cfg.P2PAllowPrivate},
		Received:    ps.history,
		History:     ps.history,
		Logger:      d.logger,
	})
	if err != nil {
		return nil, err
	}
	if sinks.indexSink != nil {
		sinks.indexSink.loadReports = ps.history.Load
	} else if _, err := ps.history.Load(ctx); err != nil {
		return nil, err
	}
	// A newcomer wonders why peers' old records do not show up at once.
	d.logger.Info("peers send this node the records they already hold once it has reported its first attacker " +
		"(they serve history only to nodes that share); until then it receives only new records")
	return ps, nil
}

// startAttrs are what the start-up line says of sharing; ps may be nil.
func (ps *peerSet) startAttrs() []any {
	if ps == nil {
		return []any{"sharing", false}
	}
	return []any{"sharing", true, "peer_id", ps.node.ID().String(), "p2p_addrs", ps.node.Addrs()}
}

// peersAPI is what the API reads of the peer-to-peer side; ps may be nil.
func (d *Daemon) peersAPI(ps *peerSet, st *store.Store) (httpapi.Peers, httpapi.Reports) {
	if ps == nil {
		// A node that does not share still answers what peers reported
		// before it stopped; usually nothing.
		return nil, history.New(st, nil, d.cfg.MaxAge, d.logger.With("component", "history"))
	}
	return ps.node, ps.history
}

// run stores this node's records as the aggregator makes them (a flush
// makes many at once: they are stored in one transaction) and hands them
// to the node to publish, until ctx is done.
func (ps *peerSet) run(ctx context.Context) error {
	local := make(chan *record.Record, 1024)
	errc := make(chan error, 1)
	go func() { errc <- ps.node.Run(ctx, local) }()
	batch := make([]*record.Record, 0, 256)
	for {
		select {
		case <-ctx.Done():
			return <-errc
		case err := <-errc:
			return err
		case r, ok := <-ps.agg.Out():
			if !ok {
				<-ctx.Done()
				return <-errc
			}
			batch = append(batch[:0], r)
		drain:
			for len(batch) < cap(batch) {
				select {
				case r, ok := <-ps.agg.Out():
					if !ok {
						break drain
					}
					batch = append(batch, r)
				default:
					break drain
				}
			}
			if err := ps.history.Publish(ctx, batch); err != nil && ctx.Err() == nil {
				return fmt.Errorf("storing our own records: %w", err)
			}
			for _, r := range batch {
				select {
				case local <- r:
				case <-ctx.Done():
				}
			}
			clear(batch)
		}
	}
}

func multiaddrs(ss []string, setting string) ([]multiaddr.Multiaddr, error) {
	out := make([]multiaddr.Multiaddr, 0, len(ss))
	for _, s := range ss {
		m, err := multiaddr.NewMultiaddr(s)
		if err != nil {
			return nil, fmt.Errorf("%s %s: %w", setting, s, err)
		}
		out = append(out, m)
	}
	return out, nil
}

func bootstrap(ss []string) ([]peer.AddrInfo, error) {
	ms, err := multiaddrs(ss, "-b")
	if err != nil {
		return nil, err
	}
	infos, err := peer.AddrInfosFromP2pAddrs(ms...)
	if err != nil {
		return nil, fmt.Errorf("-b: %w", err)
	}
	return infos, nil
}

// bootstrapAddrs are the IP addresses of the configured peers.
func bootstrapAddrs(nodes []string) []netip.Addr {
	var out []netip.Addr
	for _, s := range nodes {
		m, err := multiaddr.NewMultiaddr(s)
		if err != nil {
			continue // reported where the node is started
		}
		for _, code := range []int{multiaddr.P_IP4, multiaddr.P_IP6} {
			if v, err := m.ValueForProtocol(code); err == nil {
				if a, err := netip.ParseAddr(v); err == nil {
					out = append(out, a)
				}
			}
		}
	}
	return out
}

// trustedKeys are the keys of the --p2p-trust peers, for the index.
func trustedKeys(ids []string) ([][32]byte, error) {
	_, keys, err := trustedPeers(ids)
	return keys, err
}

// trustedPeers parses --p2p-trust: peer IDs, and the Ed25519 keys they
// embed, which is what records are signed with.
func trustedPeers(ids []string) ([]peer.ID, [][32]byte, error) {
	var out []peer.ID
	var keys [][32]byte
	for _, s := range ids {
		id, err := peer.Decode(s)
		if err != nil {
			return nil, nil, fmt.Errorf("--p2p-trust %s: %w", s, err)
		}
		pk, err := id.ExtractPublicKey()
		if err != nil {
			return nil, nil, fmt.Errorf("--p2p-trust %s: no key in the peer ID: %w", s, err)
		}
		raw, err := pk.Raw()
		if err != nil || len(raw) != 32 {
			return nil, nil, fmt.Errorf("--p2p-trust %s: not an Ed25519 peer ID, as SentryPeer nodes have", s)
		}
		out = append(out, id)
		keys = append(keys, [32]byte(raw))
	}
	return out, keys, nil
}
