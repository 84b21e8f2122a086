package p2p

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"net/netip"
	"slices"
	"testing"
	"time"

	pubsub "github.com/libp2p/go-libp2p-pubsub"
	pb "github.com/libp2p/go-libp2p-pubsub/pb"
	"github.com/libp2p/go-libp2p/core/crypto"
	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/sentrypeer/sentrypeer/internal/record"
)

// idleNode is a node that is created but not run: enough to call its
// validator and sync checks directly.
// idleNode is a node that is not running: its host listens and can dial,
// nothing else runs.
func idleNode(t testing.TB, mod func(*Config)) *Node {
	t.Helper()
	cfg := Config{DataDir: t.TempDir(), Listen: loopback(), Share: true, Received: &fakeReceived{}}
	if mod != nil {
		mod(&cfg)
	}
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	n, err := New(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { n.host.Close() })
	return n
}

// newIdentity is a reporter: its peer ID and its record signing key.
func newIdentity(t testing.TB) (peer.ID, ed25519.PrivateKey) {
	t.Helper()
	k, _, err := crypto.GenerateEd25519Key(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	id, err := peer.IDFromPrivateKey(k)
	if err != nil {
		t.Fatal(err)
	}
	sk, err := SigningKey(k)
	if err != nil {
		t.Fatal(err)
	}
	return id, sk
}

// gossipMsg is a message as StrictNoSign delivers it: data, no origin.
func gossipMsg(data []byte) *pubsub.Message {
	return &pubsub.Message{Message: &pb.Message{Data: data}}
}

func TestValidateGossip(t *testing.T) {
	_, sk := newIdentity(t)
	relay, _ := newIdentity(t)
	_, otherSK := newIdentity(t)
	now := time.Now()
	enc := func(r *record.Record) []byte {
		b, err := record.Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	valid := enc(newRecord(sk, 1, now))
	forged := newRecord(sk, 2, now)
	forged.Signature[5] ^= 1
	private := newRecord(sk, 3, now)
	private.SourceIP = netip.MustParseAddr("192.168.1.10")
	private.Sign(sk)

	tests := []struct {
		name   string
		data   []byte
		want   pubsub.ValidationResult
		reason string // "" when accepted
	}{
		{"valid", valid, pubsub.ValidationAccept, ""},
		{"duplicate", valid, pubsub.ValidationIgnore, ReasonDuplicate},
		{"garbage", []byte("not a record"), pubsub.ValidationReject, "encoding"},
		{"empty", nil, pubsub.ValidationReject, "encoding"},
		{"another reporter's record, relayed", enc(newRecord(otherSK, 4, now)), pubsub.ValidationAccept, ""},
		{"stale", enc(newRecord(sk, 5, now.Add(-8*24*time.Hour))), pubsub.ValidationReject, "stale"},
		{"future", enc(newRecord(sk, 6, now.Add(time.Hour))), pubsub.ValidationReject, "future"},
		{"forged", enc(forged), pubsub.ValidationReject, "signature"},
		{"private source", enc(private), pubsub.ValidationReject, "ip"},
	}
	n := idleNode(t, nil)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			before := n.stats.snapshot()
			got := n.validateGossip(t.Context(), relay, gossipMsg(tc.data))
			if got != tc.want {
				t.Errorf("result = %v, want %v", got, tc.want)
			}
			after := n.stats.snapshot()
			if tc.reason == "" {
				if after.ReceivedGossip != before.ReceivedGossip+1 {
					t.Errorf("ReceivedGossip = %d, want %d", after.ReceivedGossip, before.ReceivedGossip+1)
				}
				d := <-n.queue
				if d.from != relay {
					t.Errorf("queued from %s, want the relaying peer %s", d.from, relay)
				}
				return
			}
			if after.Rejected[tc.reason] != before.Rejected[tc.reason]+1 {
				t.Errorf("Rejected[%q] = %d, want %d (all: %v)", tc.reason, after.Rejected[tc.reason], before.Rejected[tc.reason]+1, after.Rejected)
			}
			if len(n.queue) != 0 {
				t.Errorf("a refused record was queued")
			}
		})
	}

	t.Run("own messages", func(t *testing.T) {
		if got := n.validateGossip(t.Context(), n.ID(), gossipMsg([]byte("x"))); got != pubsub.ValidationAccept {
			t.Errorf("result = %v, want accept", got)
		}
		if len(n.queue) != 0 {
			t.Errorf("own message queued for Received")
		}
	})

	t.Run("rate limit per reporter, whoever relays", func(t *testing.T) {
		n := idleNode(t, func(c *Config) { c.Rate, c.Burst = 0.001, 2 })
		relay2, _ := newIdentity(t)
		reporter, rsk := newIdentity(t)
		var got []pubsub.ValidationResult
		for i, via := range []peer.ID{relay, relay2, relay, reporter} {
			got = append(got, n.validateGossip(t.Context(), via, gossipMsg(enc(newRecord(rsk, 10+i, now)))))
		}
		// Over the limit: a relay's copy is dropped without blame, the
		// reporter's own is rejected (penalised).
		want := []pubsub.ValidationResult{pubsub.ValidationAccept, pubsub.ValidationAccept, pubsub.ValidationIgnore, pubsub.ValidationReject}
		if !slices.Equal(got, want) {
			t.Errorf("results = %v, want %v", got, want)
		}
		if r := n.stats.snapshot().Rejected[ReasonRate]; r != 2 {
			t.Errorf("Rejected[rate] = %d, want 2", r)
		}
		// Another reporter has its own bucket.
		_, osk := newIdentity(t)
		if got := n.validateGossip(t.Context(), relay, gossipMsg(enc(newRecord(osk, 20, now)))); got != pubsub.ValidationAccept {
			t.Errorf("other reporter: %v, want accept", got)
		}
	})

	t.Run("full queue drops and counts", func(t *testing.T) {
		n := idleNode(t, nil)
		n.queue = make(chan delivery) // nobody reads
		if got := n.validateGossip(t.Context(), relay, gossipMsg(valid)); got != pubsub.ValidationAccept {
			t.Errorf("result = %v, want accept", got)
		}
		if s := n.stats.snapshot(); s.Dropped != 1 || s.ReceivedGossip != 0 {
			t.Errorf("Dropped = %d, ReceivedGossip = %d; want 1, 0", s.Dropped, s.ReceivedGossip)
		}
	})
}

func TestCheckSynced(t *testing.T) {
	_, sk := newIdentity(t)
	now := time.Now()
	n := idleNode(t, nil)
	own, err := SigningKey(n.key)
	if err != nil {
		t.Fatal(err)
	}
	enc := func(r *record.Record) []byte {
		b, err := record.Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	forged := newRecord(sk, 2, now)
	forged.Signature[0] ^= 1
	valid := enc(newRecord(sk, 1, now))

	tests := []struct {
		name    string
		data    []byte
		wantRec bool
		wantErr error // errForged, or any error (errSyncBad) for non-nil
		reason  string
	}{
		{"valid", valid, true, nil, ""},
		{"duplicate", valid, false, nil, ReasonDuplicate},
		{"our own record", enc(newRecord(own, 3, now)), false, nil, ReasonDuplicate},
		{"stale is skipped without blame", enc(newRecord(sk, 4, now.Add(-8*24*time.Hour))), false, nil, "stale"},
		{"forged cuts the peer off", enc(forged), false, errForged, "signature"},
		{"garbage aborts", []byte{1, 2, 3}, false, errSyncBad, "encoding"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			before := n.stats.snapshot()
			rec, err := n.checkSynced(tc.data, now)
			if (rec != nil) != tc.wantRec {
				t.Errorf("record = %v, want one: %v", rec, tc.wantRec)
			}
			switch {
			case tc.wantErr == nil && err != nil:
				t.Errorf("err = %v, want nil", err)
			case tc.wantErr == errForged && err != errForged:
				t.Errorf("err = %v, want errForged", err)
			case tc.wantErr == errSyncBad && err == nil:
				t.Errorf("err = nil, want an error")
			}
			if tc.reason != "" {
				if got := n.stats.snapshot().Rejected[tc.reason]; got != before.Rejected[tc.reason]+1 {
					t.Errorf("Rejected[%q] = %d, want %d", tc.reason, got, before.Rejected[tc.reason]+1)
				}
			}
		})
	}
}

func BenchmarkValidateGossip(b *testing.B) {
	_, sk := newIdentity(b)
	relay, _ := newIdentity(b)
	n := idleNode(b, func(c *Config) { c.Rate = 1e12 })
	now := time.Now()
	msgs := make([]*pubsub.Message, 4096)
	for i := range msgs {
		data, err := record.Marshal(newRecord(sk, i, now))
		if err != nil {
			b.Fatal(err)
		}
		msgs[i] = gossipMsg(data)
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if i == len(msgs) {
			b.StopTimer()
			n.seen = newSeenSet(seenRecords)
			i = 0
			b.StartTimer()
		}
		if n.validateGossip(context.Background(), relay, msgs[i]) != pubsub.ValidationAccept {
			b.Fatal("not accepted")
		}
		<-n.queue
		i++
	}
}
