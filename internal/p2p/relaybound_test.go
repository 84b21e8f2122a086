package p2p

import (
	"crypto/ed25519"
	"crypto/rand"
	"net/netip"
	"slices"
	"testing"
	"time"

	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/sentrypeer/sentrypeer/internal/record"
)

func TestRelayBound(t *testing.T) {
	ip, ip2 := netip.MustParseAddr("45.134.1.1"), netip.MustParseAddr("45.134.1.2")
	rep := func(i byte) []byte { k := make([]byte, 32); k[0], k[31] = i, 0xee; return k }
	t0 := time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)
	type step struct {
		ip       netip.Addr
		number   string
		reporter byte
		at       time.Duration
		want     bool
	}
	tests := []struct {
		name  string
		limit int
		steps []step
	}{
		{"first reporters up to the limit, then none", 3, []step{
			{ip, "100", 1, 0, true}, {ip, "100", 2, time.Second, true}, {ip, "100", 3, 2 * time.Second, true},
			{ip, "100", 4, 3 * time.Second, false}, {ip, "100", 5, 4 * time.Second, false},
		}},
		{"a relayed reporter's update waits for the next window", 3, []step{
			{ip, "100", 1, 0, true}, {ip, "100", 1, 10 * time.Second, false},
			{ip, "100", 1, 9 * time.Minute, false}, {ip, "100", 1, 10 * time.Minute, true},
		}},
		{"keys are IP and number", 1, []step{
			{ip, "100", 1, 0, true}, {ip, "100", 2, 0, false},
			{ip, "200", 2, 0, true}, {ip2, "100", 2, 0, true},
		}},
		{"a new window frees every slot", 2, []step{
			{ip, "100", 1, 0, true}, {ip, "100", 2, 0, true}, {ip, "100", 3, 0, false},
			{ip, "100", 3, 10 * time.Minute, true}, {ip, "100", 4, 10 * time.Minute, true}, {ip, "100", 1, 10 * time.Minute, false},
		}},
		{"limit 0 relays everything", 0, []step{
			{ip, "100", 1, 0, true}, {ip, "100", 1, 0, true}, {ip, "100", 2, 0, true},
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b := newRelayBound(tc.limit, 10*time.Minute)
			for i, s := range tc.steps {
				if got := b.relay(s.ip, s.number, rep(s.reporter), t0.Add(s.at)); got != s.want {
					t.Errorf("step %d (%v %s by %d at +%v): relay = %v, want %v", i, s.ip, s.number, s.reporter, s.at, got, s.want)
				}
			}
		})
	}

	t.Run("past maxRelayKeys records are relayed, not lost", func(t *testing.T) {
		b := newRelayBound(1, 10*time.Minute)
		for i := range maxRelayKeys {
			b.relay(netip.AddrFrom4([4]byte{45, byte(i >> 16), byte(i >> 8), byte(i)}), "1", rep(1), t0)
		}
		for range 3 {
			if !b.relay(ip, "untracked", rep(2), t0) {
				t.Fatal("a key past the bound was not relayed")
			}
		}
	})
}

// TestRelayBoundInNetwork: a peer publishes reports of one IP and number
// from eight reporters to B; B stores all eight and relays five to C.
func TestRelayBoundInNetwork(t *testing.T) {
	const limit = 5
	b := startNode(t, "", func(c *Config) { c.RelayLimit = limit })
	c := startNode(t, "", func(c *Config) { c.Bootstrap = []peer.AddrInfo{info(b.Node)} })
	eventually(t, 5*time.Second, "B and C share the topic", func() bool { return topicPeers(b.Node) == 1 })
	h := startHostile(t)
	if err := h.dial(info(b.Node)); err != nil {
		t.Fatal(err)
	}
	eventually(t, 5*time.Second, "the publisher joins B's topic", func() bool {
		return slices.Contains(h.topic.ListPeers(), b.ID())
	})

	now := time.Now()
	attacker := func(sk ed25519.PrivateKey, ip byte) *record.Record {
		r := newRecord(sk, 0, now)
		r.SourceIP = netip.AddrFrom4([4]byte{45, 134, 9, ip}) // the warm-up uses 100 and up
		r.Sign(sk)
		return r
	}
	// GossipSub forwards only to mesh peers, and B grafts C at a heartbeat:
	// warm up until a record from the publisher reaches C through B.
	for i := 100; c.recv.count() == 0; i++ {
		if i == 150 {
			t.Fatal("no warm-up record reached C through B in 5 s")
		}
		_, sk, _ := ed25519.GenerateKey(rand.Reader)
		if err := h.topic.Publish(t.Context(), mustMarshal(t, attacker(sk, byte(i)))); err != nil {
			t.Fatal(err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	// Only the two attackers below are counted, not the warm-up.
	attackers := func(n *testNode) int {
		k := 0
		for _, r := range n.recv.all() {
			if ip := r.SourceIP.As4(); ip[2] == 9 && ip[3] <= 2 {
				k++
			}
		}
		return k
	}

	for i := range 8 {
		_, sk, _ := ed25519.GenerateKey(rand.Reader)
		if err := h.topic.Publish(t.Context(), mustMarshal(t, attacker(sk, 1))); err != nil {
			t.Fatal(err)
		}
		if i < 2 { // another attacker, two reporters: under the limit
			if err := h.topic.Publish(t.Context(), mustMarshal(t, attacker(sk, 2))); err != nil {
				t.Fatal(err)
			}
		}
	}
	eventually(t, 5*time.Second, "B stores all ten", func() bool { return attackers(b) == 10 })
	eventually(t, 5*time.Second, "C gets what B relays", func() bool { return attackers(c) >= limit+2 })
	time.Sleep(300 * time.Millisecond)
	if n := attackers(c); n != limit+2 {
		t.Errorf("C received %d, want %d: %d reporters of the first attacker and both of the second", n, limit+2, limit)
	}
	if s := b.Stats(); s.NotRelayed != 8-limit {
		t.Errorf("B NotRelayed = %d, want %d", s.NotRelayed, 8-limit)
	}
	if h.connectedness(b.ID()) != 1 { // network.Connected
		t.Errorf("B cut off an honest publisher for records it did not relay")
	}
}
