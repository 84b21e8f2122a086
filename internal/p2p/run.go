package p2p

import (
	"context"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/libp2p/go-libp2p/p2p/discovery/mdns"
	drouting "github.com/libp2p/go-libp2p/p2p/discovery/routing"

	"github.com/sentrypeer/sentrypeer/internal/record"
)

// mdnsService is the mDNS service name of SentryPeer nodes.
const mdnsService = "sentrypeer"

// Run starts discovery and, when sharing, gossip and sync; publishes the
// records received on local; and blocks until ctx is done. Then it stops
// everything it started, saves the sync cursors and closes the host, and
// returns nil. It returns an error only if it could not start.
//
// Records on local must be signed with this node's key ([SigningKey] of
// [LoadOrCreateKey]); others are refused and counted. Run never closes
// local; if its owner closes it, Run keeps running until ctx is done. When
// sharing is off, local is drained and its records are counted as refused.
// Run may be called once.
func (n *Node) Run(ctx context.Context, local <-chan *record.Record) (err error) {
	if !n.running.CompareAndSwap(false, true) {
		return ErrRunning
	}
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	var closers []io.Closer
	defer func() {
		cancel()
		for i := len(closers) - 1; i >= 0; i-- {
			closers[i].Close()
		}
		wg.Wait()
		n.host.Close()
		if serr := n.cursors.save(); serr != nil {
			n.log.Warn("saving sync cursors failed", "err", serr)
		}
	}()

	kad, err := n.newDHT(ctx)
	if err != nil {
		return fmt.Errorf("p2p: starting DHT: %w", err)
	}
	closers = append(closers, kad)
	wg.Go(func() { n.keepBootstrap(ctx, kad) })

	var g *gossip
	if n.cfg.Share {
		if g, err = n.startGossip(ctx); err != nil {
			return err
		}
		n.gossip.Store(g)
		defer n.gossip.Store(nil)
		srv := n.newSyncServer(ctx)
		n.host.SetStreamHandler(SyncProtocol, srv.handle)
		rd := drouting.NewRoutingDiscovery(kad)
		wg.Go(func() { g.drain(ctx) })
		wg.Go(func() { n.deliver(ctx) })
		wg.Go(func() { n.syncLoop(ctx) })
		wg.Go(func() { n.advertise(ctx, rd) })
		wg.Go(func() { n.findPeers(ctx, rd) })
	} else {
		n.log.Warn("sharing is off: this node neither publishes nor receives records from peers; turn sharing on to receive them")
	}
	if n.cfg.MDNS {
		lan := newLocalPeers(n)
		svc := mdns.NewMdnsService(n.host, mdnsService, lan)
		if err := svc.Start(); err != nil {
			n.log.Warn("mDNS discovery failed to start", "err", err)
		} else {
			closers = append(closers, svc)
			wg.Go(func() { lan.run(ctx) })
		}
	}
	wg.Go(func() { n.maintain(ctx, g != nil) })
	n.log.Info("peer-to-peer node running", "peer_id", n.ID(), "addrs", n.Addrs(), "share", n.cfg.Share)

	for {
		select {
		case <-ctx.Done():
			return nil
		case r, ok := <-local:
			switch {
			case !ok:
				local = nil
			case g == nil:
				n.stats.localRefused.Add(1)
			default:
				n.publish(ctx, g, r)
			}
		}
	}
}

// maintain does the periodic housekeeping: blocking peers whose gossip
// score fell too low (every second), and every ten seconds expiring
// blocks, pruning idle rate buckets, and counters and history answers of
// gone peers, and saving the sync cursors.
func (n *Node) maintain(ctx context.Context, gossiping bool) {
	tick := time.NewTicker(scoreInterval)
	defer tick.Stop()
	for i := 1; ; i++ {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		if gossiping {
			n.blockLowScores()
		}
		if i%10 != 0 {
			continue
		}
		n.blocks.expire()
		n.limit.prune(n.now())
		n.bw.TrimIdle(n.now().Add(-10 * time.Minute))
		net := n.host.Network()
		connected := func(p peer.ID) bool { return net.Connectedness(p) == network.Connected }
		n.stats.forget(connected)
		n.hists.forget(connected)
		if err := n.cursors.save(); err != nil {
			n.log.Warn("saving sync cursors failed", "err", err)
		}
	}
}
