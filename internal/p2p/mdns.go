package p2p

import (
	"context"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"
)

const (
	// maxLocalPeers bounds the peers remembered from mDNS; a LAN with more
	// SentryPeer nodes than this still finds the rest through the DHT.
	maxLocalPeers = 64
	// localForget drops a peer not announced for this long. zeroconf
	// reports a peer again only when its record's TTL (53 min) expires.
	localForget = 2 * time.Hour
	// yieldDial is how long the node with the higher peer ID waits before
	// dialling a peer just found, so that two nodes that find each other
	// in one mDNS exchange do not dial at once.
	yieldDial   = time.Second
	firstRedial = time.Second
	localDials  = 4
)

// localPeer is a peer found on the local network.
type localPeer struct {
	info  peer.AddrInfo
	found time.Time // last announced
	next  time.Time // next dial, if not connected then
	retry time.Duration
}

// localPeers dials peers found by mDNS and keeps dialling them while they
// are not connected.
//
// zeroconf reports a peer once per record TTL, so a failed first dial would
// otherwise be the only one for an hour. The first dial fails whenever two
// nodes find each other in the same mDNS exchange and dial at once: TCP
// with SO_REUSEPORT makes both dials one simultaneous-open connection on
// which both sides start Noise as initiator ("noise: message is too
// short"). So the lower peer ID dials first, and every failure is retried.
type localPeers struct {
	n    *Node
	wake chan struct{}

	mu    sync.Mutex
	peers map[peer.ID]*localPeer
}

func newLocalPeers(n *Node) *localPeers {
	return &localPeers{n: n, wake: make(chan struct{}, 1), peers: map[peer.ID]*localPeer{}}
}

// HandlePeerFound is called by the mDNS service; it must not block.
func (l *localPeers) HandlePeerFound(ai peer.AddrInfo) {
	if ai.ID == l.n.host.ID() || len(ai.Addrs) == 0 {
		return
	}
	now := l.n.now()
	l.mu.Lock()
	p, ok := l.peers[ai.ID]
	if !ok {
		if len(l.peers) >= maxLocalPeers {
			l.mu.Unlock()
			l.n.log.Debug("mDNS peer not remembered: too many local peers", "peer", ai.ID)
			return
		}
		p = &localPeer{next: now, retry: firstRedial}
		if l.n.host.ID() > ai.ID {
			p.next = now.Add(yieldDial)
		}
		l.peers[ai.ID] = p
	}
	p.info, p.found = ai, now
	l.mu.Unlock()
	l.n.log.Debug("mDNS found peer", "peer", ai.ID, "addrs", ai.Addrs)
	l.poke()
}

// poke makes run look at the peers again.
func (l *localPeers) poke() {
	select {
	case l.wake <- struct{}{}:
	default:
	}
}

// run dials due peers until ctx is done.
func (l *localPeers) run(ctx context.Context) {
	sem := make(chan struct{}, localDials)
	var wg sync.WaitGroup
	defer wg.Wait()
	timer := time.NewTimer(0)
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-l.wake:
		case <-timer.C:
		}
		for _, p := range l.due() {
			select {
			case sem <- struct{}{}:
			case <-ctx.Done():
				return
			}
			wg.Go(func() {
				defer func() { <-sem }()
				// Our own backoff paces these dials; the swarm's (5 s
				// after one failure) would turn the first retries away.
				err := l.n.connect(network.WithForceDirectDial(ctx, "mdns retry"), p.info)
				l.dialled(p.info.ID, err)
			})
		}
		timer.Reset(l.sleep())
	}
}

// due returns the peers to dial now, and forgets stale ones. A peer being
// dialled is not due again until dialled reports.
func (l *localPeers) due() []*localPeer {
	now := l.n.now()
	net := l.n.host.Network()
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []*localPeer
	for id, p := range l.peers {
		connected := net.Connectedness(id) == network.Connected
		switch {
		case !connected && now.Sub(p.found) > localForget:
			delete(l.peers, id)
		case connected:
			p.retry = firstRedial
			p.next = now.Add(redialEvery)
		case !p.next.After(now):
			p.next = now.Add(dialTimeout + time.Second)
			cp := *p
			out = append(out, &cp)
		}
	}
	return out
}

// dialled schedules the next dial of id: soon after a failure, with
// backoff and jitter so two nodes that collided do not collide again.
func (l *localPeers) dialled(id peer.ID, err error) {
	if err != nil {
		l.n.log.Debug("dialling mDNS peer failed; retrying", "peer", id, "err", err)
	}
	defer l.poke()
	l.mu.Lock()
	defer l.mu.Unlock()
	p, ok := l.peers[id]
	if !ok {
		return
	}
	now := l.n.now()
	if err == nil {
		p.retry, p.next = firstRedial, now.Add(redialEvery)
		return
	}
	p.next = now.Add(p.retry/2 + rand.N(p.retry))
	p.retry = min(2*p.retry, redialEvery)
}

// sleep is how long until the next peer is due.
func (l *localPeers) sleep() time.Duration {
	now := l.n.now()
	d := redialEvery
	l.mu.Lock()
	for _, p := range l.peers {
		d = min(d, max(p.next.Sub(now), 10*time.Millisecond))
	}
	l.mu.Unlock()
	return d
}
