package p2p

import (
	"context"
	"sync"
	"time"

	dht "github.com/libp2p/go-libp2p-kad-dht"
	"github.com/libp2p/go-libp2p/core/discovery"
	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"
	drouting "github.com/libp2p/go-libp2p/p2p/discovery/routing"
)

const (
	dialTimeout = 10 * time.Second
	// redialEvery is how often bootstrap and trusted peers are dialled
	// again while not connected.
	redialEvery = 30 * time.Second
	// findEvery is how often the rendezvous is looked up while the node
	// has fewer than wantPeers peers; with enough it looks 10 times less.
	findEvery = time.Minute
	wantPeers = 16
	findLimit = 50
	// advertiseRetry is the first wait after a failed advertisement,
	// doubling up to maxAdvertiseRetry.
	advertiseRetry    = 5 * time.Second
	maxAdvertiseRetry = 5 * time.Minute
)

func (n *Node) newDHT(ctx context.Context) (*dht.IpfsDHT, error) {
	opts := []dht.Option{
		// Our own DHT: the IPFS one would take our rendezvous records to
		// strangers and refuse them anyway.
		dht.ProtocolPrefix(DHTPrefix),
		// A server unless we learn we are not reachable: honeypots have
		// public addresses, and loopback tests have no AutoNAT.
		dht.Mode(dht.ModeAutoServer),
		// Only provider records (rendezvous) and peer routing are used.
		dht.DisableValues(),
	}
	var boot []peer.AddrInfo
	for _, ai := range n.cfg.Bootstrap {
		if ai.ID != n.host.ID() { // a shared config may list this node too
			boot = append(boot, ai)
		}
	}
	if len(boot) > 0 {
		opts = append(opts, dht.BootstrapPeers(boot...))
	}
	kad, err := dht.New(n.host, opts...)
	if err != nil {
		return nil, err
	}
	if err := kad.Bootstrap(ctx); err != nil {
		kad.Close()
		return nil, err
	}
	return kad, nil
}

// connect dials ai unless it is us, blocked or connected already.
func (n *Node) connect(ctx context.Context, ai peer.AddrInfo) error {
	if ai.ID == n.host.ID() || n.blocks.blocked(ai.ID) ||
		n.host.Network().Connectedness(ai.ID) == network.Connected {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, dialTimeout)
	defer cancel()
	return n.host.Connect(ctx, ai)
}

// keepBootstrap dials the bootstrap peers, and finds and dials trusted
// peers through the DHT, now and every redialEvery while disconnected.
func (n *Node) keepBootstrap(ctx context.Context, kad *dht.IpfsDHT) {
	warned := map[peer.ID]bool{}
	for {
		var wg sync.WaitGroup
		for _, ai := range n.cfg.Bootstrap {
			wg.Go(func() {
				err := n.connect(ctx, ai)
				if err != nil && ctx.Err() == nil && !warned[ai.ID] {
					n.log.Warn("cannot reach bootstrap peer; retrying", "peer", ai.ID, "err", err)
				}
			})
		}
		wg.Wait()
		for _, ai := range n.cfg.Bootstrap {
			warned[ai.ID] = n.host.Network().Connectedness(ai.ID) != network.Connected
		}
		for _, p := range n.cfg.Trust {
			if p == n.host.ID() || n.host.Network().Connectedness(p) == network.Connected {
				continue
			}
			fctx, cancel := context.WithTimeout(ctx, dialTimeout)
			ai, err := kad.FindPeer(fctx, p)
			cancel()
			if err == nil {
				n.connect(ctx, ai)
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(redialEvery):
		}
	}
}

// advertise keeps this node in the DHT rendezvous, re-advertising before
// the record expires. The first try waits a moment for bootstrap to give
// the DHT some peers; failures (usually: no DHT peers yet) are retried
// sooner at first, then less often.
func (n *Node) advertise(ctx context.Context, rd *drouting.RoutingDiscovery) {
	wait, retry := time.Second, advertiseRetry
	for {
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
		actx, cancel := context.WithTimeout(ctx, time.Minute)
		ttl, err := rd.Advertise(actx, Rendezvous)
		cancel()
		if err == nil {
			wait, retry = 7*ttl/8, advertiseRetry
			continue
		}
		if ctx.Err() == nil {
			n.log.Debug("advertising on the DHT failed; retrying", "err", err, "in", retry)
		}
		wait, retry = retry, min(2*retry, maxAdvertiseRetry)
	}
}

// findPeers looks up the rendezvous and dials what it finds, often while
// the node has few peers and rarely once it has enough.
func (n *Node) findPeers(ctx context.Context, rd *drouting.RoutingDiscovery) {
	wait := 2 * time.Second // let bootstrap fill the routing table first
	for {
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
		wait = findEvery
		if len(n.host.Network().Peers()) >= wantPeers {
			wait = 10 * findEvery
			continue
		}
		fctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		ch, err := rd.FindPeers(fctx, Rendezvous, discovery.Limit(findLimit))
		if err != nil {
			cancel()
			continue
		}
		for ai := range ch {
			if len(ai.Addrs) > 0 {
				n.connect(fctx, ai)
			}
		}
		cancel()
	}
}
