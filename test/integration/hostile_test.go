package integration

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"fmt"
	"net/netip"
	"regexp"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/libp2p/go-libp2p"
	pubsub "github.com/libp2p/go-libp2p-pubsub"
	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/multiformats/go-multiaddr"

	"github.com/sentrypeer/sentrypeer/internal/event"
	"github.com/sentrypeer/sentrypeer/internal/p2p"
	"github.com/sentrypeer/sentrypeer/internal/record"
)

// TestHostilePeerCutOff: a peer that joins the records topic and publishes
// forged, misattributed and stale records gets none of them accepted by a
// real node, is counted in its metrics, and ends up cut off.
func TestHostilePeerCutOff(t *testing.T) {
	requireFull(t, "the peer-to-peer engine")
	// Private addresses are announced only with --p2p-allow-private; the
	// hostile peer needs the node's loopback address.
	d := start(t, "", "--p2p-allow-private")
	var self struct {
		PeerID string   `json:"peer_id"`
		Addrs  []string `json:"addrs"`
	}
	getJSON(t, d.api+"/api/v1/peers", &self)
	target, err := peer.AddrInfoFromString(self.Addrs[0])
	if err != nil {
		t.Fatalf("node address %v: %v", self.Addrs, err)
	}

	key, err := p2p.LoadOrCreateKey(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	h, err := libp2p.New(libp2p.Identity(key), libp2p.ListenAddrs(multiaddr.StringCast("/ip4/127.0.0.1/tcp/0")))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer func() { cancel(); h.Close() }() // stops the hostile peer
	// Unsigned messages, as SentryPeer nodes send them (the record inside
	// is what is signed), so that the node's own validation is what
	// refuses them.
	ps, err := pubsub.NewGossipSub(ctx, h, pubsub.WithFloodPublish(true),
		pubsub.WithMessageSignaturePolicy(pubsub.StrictNoSign), pubsub.WithMessageIdFn(p2p.MessageID))
	if err != nil {
		t.Fatal(err)
	}
	topic, err := ps.Join(p2p.Topic)
	if err != nil {
		t.Fatal(err)
	}
	if err := h.Connect(ctx, *target); err != nil {
		t.Fatalf("connecting to the node: %v", err)
	}
	waitFor(t, "the hostile peer in the node's topic", 10*time.Second, func() bool {
		return slices.Contains(topic.ListPeers(), target.ID)
	})

	sk, _ := p2p.SigningKey(key)
	_, stranger, _ := ed25519.GenerateKey(rand.Reader)
	mk := func(i int, signer ed25519.PrivateKey, last time.Time) *record.Record {
		r := &record.Record{
			SourceIP: netip.AddrFrom4([4]byte{45, 134, 7, byte(i)}), CalledNumber: "00441", Method: "INVITE",
			UserAgent: "friendly-scanner", Transport: event.UDP, FirstSeen: last.Add(-time.Second), LastSeen: last, Count: 1,
		}
		r.Sign(signer)
		return r
	}
	for i := range 6 {
		var r *record.Record
		switch i % 3 {
		case 0: // forged: the signature does not match
			r = mk(i, sk, time.Now())
			r.Signature[5] ^= 0x40
		case 1: // misattributed: names a stranger as reporter, signed by us
			r = mk(i, sk, time.Now())
			r.Reporter = stranger.Public().(ed25519.PublicKey)
		case 2: // stale: older than the 7-day window
			r = mk(i, sk, time.Now().Add(-8*24*time.Hour))
		}
		b, err := record.Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		if err := topic.Publish(ctx, b); err != nil {
			t.Fatal(err)
		}
	}

	rejected := regexp.MustCompile(`(?m)^sentrypeer_p2p_records_rejected_total\{reason="(\w+)"\} (\d+)$`)
	blocked := regexp.MustCompile(`(?m)^sentrypeer_p2p_peers_blocked_total 1$`)
	waitFor(t, "the node to block the hostile peer", 10*time.Second, func() bool {
		_, m := get(t, d.api+"/metrics")
		return blocked.MatchString(m)
	})
	_, m := get(t, d.api+"/metrics")
	reasons := map[string]int{}
	for _, g := range rejected.FindAllStringSubmatch(m, -1) {
		reasons[g[1]], _ = strconv.Atoi(g[2])
	}
	if reasons["signature"] < 2 || reasons["stale"] == 0 {
		t.Errorf("rejections by reason %v; want 2 signature (forged, misattributed) and 1 stale at least", reasons)
	}
	for i := range 6 {
		var c checkAnswer
		getJSON(t, d.api+fmt.Sprintf("/api/v1/check/ip/45.134.7.%d", i), &c)
		if c.Bad {
			t.Errorf("the node accepted hostile record %d", i)
		}
	}
	waitFor(t, "the hostile peer to be disconnected", 10*time.Second, func() bool {
		return h.Network().Connectedness(target.ID) != network.Connected
	})
	dctx, dcancel := context.WithTimeout(ctx, 3*time.Second)
	defer dcancel()
	if err := h.Connect(dctx, *target); err == nil {
		// The handshake may finish before the node's gater drops it.
		time.Sleep(500 * time.Millisecond)
		if h.Network().Connectedness(target.ID) == network.Connected {
			t.Error("the hostile peer could connect again")
		}
	}
	d.stop()
}
