package p2p

import (
	"context"
	"testing"
	"time"

	"github.com/libp2p/go-libp2p"
	dht "github.com/libp2p/go-libp2p-kad-dht"
	"github.com/libp2p/go-libp2p/core/peer"
	drouting "github.com/libp2p/go-libp2p/p2p/discovery/routing"
)

// TestRendezvous checks, from an outside DHT client, that nodes advertise
// themselves on our own DHT and can be found there by namespace and by ID.
func TestRendezvous(t *testing.T) {
	a := startNode(t, "", nil)
	boot := func(c *Config) { c.Bootstrap = []peer.AddrInfo{info(a.Node)} }
	b := startNode(t, "", boot)
	c := startNode(t, "", boot)
	off := startNode(t, "", func(c *Config) { boot(c); c.Share = false })

	h, err := libp2p.New(libp2p.ListenAddrs(loopback()...), libp2p.DisableMetrics())
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	kad, err := dht.New(h, dht.ProtocolPrefix(DHTPrefix), dht.Mode(dht.ModeClient), dht.BootstrapPeers(info(a.Node)))
	if err != nil {
		t.Fatal(err)
	}
	defer kad.Close()
	if err := h.Connect(t.Context(), info(a.Node)); err != nil {
		t.Fatal(err)
	}
	eventually(t, 5*time.Second, "the probe's routing table has peers", func() bool { return kad.RoutingTable().Size() > 0 })

	t.Run("peer routing", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
		defer cancel()
		ai, err := kad.FindPeer(ctx, c.ID())
		if err != nil || len(ai.Addrs) == 0 {
			t.Fatalf("FindPeer(C) = %v, %v", ai, err)
		}
	})

	t.Run("sharing nodes on the rendezvous", func(t *testing.T) {
		rd := drouting.NewRoutingDiscovery(kad)
		want := map[peer.ID]bool{a.ID(): true, b.ID(): true, c.ID(): true}
		var found map[peer.ID]bool
		eventually(t, 8*time.Second, "A, B and C advertised", func() bool {
			ctx, cancel := context.WithTimeout(t.Context(), 2*time.Second)
			defer cancel()
			ch, err := rd.FindPeers(ctx, Rendezvous)
			if err != nil {
				return false
			}
			found = map[peer.ID]bool{}
			for ai := range ch {
				found[ai.ID] = true
			}
			for p := range want {
				if !found[p] {
					time.Sleep(200 * time.Millisecond)
					return false
				}
			}
			return true
		})
		if found[off.ID()] {
			t.Errorf("the opt-out node advertises itself as sharing")
		}
	})
}
