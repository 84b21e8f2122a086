package p2p

import (
	"context"
	"testing"
	"time"

	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/sentrypeer/sentrypeer/internal/record"
)

// slowReceived is a Received whose first call waits for release, as a
// slow commit would.
type slowReceived struct {
	*fakeReceived
	entered, release chan struct{}
	once             bool
}

func (s *slowReceived) Receive(ctx context.Context, recs []*record.Record, from []peer.ID) error {
	if !s.once {
		s.once = true
		close(s.entered)
		<-s.release
	}
	return s.fakeReceived.Receive(ctx, recs, from)
}

// TestDeliverGathers: a record after a quiet spell is not held back, what
// arrives while a commit runs is one Receive call (one commit) whichever
// peers relayed it, and what is queued at shutdown is still stored.
func TestDeliverGathers(t *testing.T) {
	recv := &fakeReceived{}
	slow := &slowReceived{fakeReceived: recv, entered: make(chan struct{}), release: make(chan struct{})}
	n := idleNode(t, func(c *Config) { c.Received = slow })
	_, sk := newIdentity(t)
	relays := []peer.ID{"relay-a", "relay-b", "relay-c"}
	now := time.Now()

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { n.deliver(ctx); close(done) }()

	// A lone record goes out at once.
	start := time.Now()
	n.queue <- delivery{rec: newRecord(sk, 0, now), from: relays[0]}
	<-slow.entered
	if d := time.Since(start); d > maxCommitGap {
		t.Errorf("a lone record took %v to reach Receive, want under %v", d, maxCommitGap)
	}
	// A burst while that commit runs, through three peers, is gathered.
	for i := 1; i <= 30; i++ {
		n.queue <- delivery{rec: newRecord(sk, i, now), from: relays[i%3]}
	}
	close(slow.release)
	eventually(t, time.Second, "the burst", func() bool { return recv.count() == 31 })
	recv.mu.Lock()
	calls := recv.calls
	for i, r := range recv.recs[1:] {
		if want := relays[(i+1)%3]; recv.from[i+1] != want {
			t.Errorf("record %d from %s, want %s", i+1, recv.from[i+1], want)
		}
		if r.SourceIP != newRecord(sk, i+1, now).SourceIP {
			t.Errorf("record %d out of order", i+1)
		}
	}
	recv.mu.Unlock()
	if calls != 2 {
		t.Errorf("%d Receive calls for a lone record and a burst, want 2", calls)
	}

	// Shutdown with records queued: they are stored, not dropped.
	time.Sleep(2 * maxCommitGap) // a quiet spell
	n.queue <- delivery{rec: newRecord(sk, 100, now), from: relays[0]}
	eventually(t, time.Second, "the record after the gap", func() bool { return recv.count() == 32 })
	n.queue <- delivery{rec: newRecord(sk, 101, now), from: relays[1]}
	n.queue <- delivery{rec: newRecord(sk, 102, now), from: relays[2]}
	cancel()
	<-done
	if len(n.queue) > 0 {
		t.Fatalf("%d records left in the queue at shutdown", len(n.queue))
	}
	if got := recv.count(); got != 34 {
		t.Errorf("stored %d after shutdown, want 34", got)
	}
}
