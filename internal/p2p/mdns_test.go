package p2p

import (
	"context"
	"fmt"
	"net"
	"testing"
	"time"

	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/multiformats/go-multiaddr"
)

func freeTCPPort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// TestLocalPeerRetried: a peer found by mDNS whose first dial fails is
// dialled again until it answers; zeroconf would not report it again for
// an hour.
func TestLocalPeerRetried(t *testing.T) {
	a := idleNode(t, nil)
	lan := newLocalPeers(a)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { lan.run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })

	dirB, idB, _ := keyedDir(t)
	addrB := multiaddr.StringCast(fmt.Sprintf("/ip4/127.0.0.1/tcp/%d", freeTCPPort(t)))
	lan.HandlePeerFound(peer.AddrInfo{ID: idB, Addrs: []multiaddr.Multiaddr{addrB}})
	eventually(t, 5*time.Second, "a failed first dial", func() bool {
		lan.mu.Lock()
		defer lan.mu.Unlock()
		return lan.peers[idB].retry > firstRedial
	})

	idleNode(t, func(c *Config) { c.DataDir, c.Listen = dirB, []multiaddr.Multiaddr{addrB} })
	start := time.Now()
	eventually(t, 10*time.Second, "A to dial B again and connect", func() bool {
		return a.host.Network().Connectedness(idB) == network.Connected
	})
	t.Logf("connected %v after B started listening", time.Since(start).Round(time.Millisecond))
}

// TestLocalPeerBookkeeping: the lower peer ID dials first, the peers
// remembered are bounded, and a peer not announced for long is forgotten.
func TestLocalPeerBookkeeping(t *testing.T) {
	a := idleNode(t, nil)
	now := time.Unix(1_800_000_000, 0)
	a.now = func() time.Time { return now }
	lan := newLocalPeers(a)

	addr := multiaddr.StringCast("/ip4/127.0.0.1/tcp/9")
	var lower, higher []peer.ID
	for len(lower) < maxLocalPeers/2 || len(higher) < maxLocalPeers/2+1 {
		id, _ := newIdentity(t)
		if id < a.ID() && len(lower) < maxLocalPeers/2 {
			lower = append(lower, id)
		} else if id > a.ID() && len(higher) < maxLocalPeers/2+1 {
			higher = append(higher, id)
		}
	}
	for _, id := range append(append([]peer.ID{}, lower...), higher...) {
		lan.HandlePeerFound(peer.AddrInfo{ID: id, Addrs: []multiaddr.Multiaddr{addr}})
	}
	if got := len(lan.peers); got != maxLocalPeers {
		t.Fatalf("remembered %d peers, want the bound %d", got, maxLocalPeers)
	}
	lan.HandlePeerFound(peer.AddrInfo{ID: a.ID(), Addrs: []multiaddr.Multiaddr{addr}})
	if _, ok := lan.peers[a.ID()]; ok {
		t.Fatal("remembered itself")
	}

	// A is the lower ID towards higher, so it dials them; it lets lower
	// IDs dial it first.
	due := map[peer.ID]bool{}
	for _, p := range lan.due() {
		due[p.info.ID] = true
	}
	for _, id := range higher[:len(higher)-1] {
		if !due[id] {
			t.Errorf("peer %s has a higher ID but is not dialled at once", id)
		}
	}
	for _, id := range lower {
		if due[id] {
			t.Errorf("peer %s has a lower ID but is dialled at once", id)
		}
	}
	if d := lan.sleep(); d > yieldDial {
		t.Errorf("sleep = %v, want at most %v (the lower IDs are due then)", d, yieldDial)
	}

	now = now.Add(yieldDial)
	if got := len(lan.due()); got != len(lower) {
		t.Errorf("%d due after %v, want the %d lower IDs", got, yieldDial, len(lower))
	}
	lan.dialled(lower[0], fmt.Errorf("refused"))
	if p := lan.peers[lower[0]]; p.retry != 2*firstRedial || p.next.Sub(now) < firstRedial/2 || p.next.Sub(now) > 3*firstRedial/2 {
		t.Errorf("after a failure: retry %v, next in %v; want 2s and 0.5-1.5s", p.retry, p.next.Sub(now))
	}

	now = now.Add(localForget + time.Second)
	lan.due()
	if got := len(lan.peers); got != 0 {
		t.Errorf("%d peers remembered after %v unannounced, want 0", got, localForget)
	}
}
