package p2p

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/sentrypeer/sentrypeer/internal/record"
)

func TestReaskAfter(t *testing.T) {
	tests := []struct {
		name string
		try  int
		want time.Duration
		ok   bool
	}{
		{"first", 0, reaskWait, true},
		{"doubles", 1, 2 * reaskWait, true},
		{"last", reaskTries - 1, reaskWait << (reaskTries - 1), true},
		{"no more", reaskTries, 0, false},
		{"negative", -1, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := reaskAfter(tt.try)
			if got != tt.want || ok != tt.ok {
				t.Errorf("reaskAfter(%d) = %v, %v; want %v, %v", tt.try, got, ok, tt.want, tt.ok)
			}
		})
	}
	// The whole schedule must outlast a loaded machine's gossip and store,
	// yet end well before the periodic sync would ask anyway.
	var total time.Duration
	for i := 0; ; i++ {
		d, ok := reaskAfter(i)
		if !ok {
			break
		}
		total += d
	}
	if total < 5*time.Second || total > DefaultSyncInterval/10 {
		t.Errorf("the schedule spans %v", total)
	}
}

func TestHistories(t *testing.T) {
	at := time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name string
		do   func(h *histories) // on peers "a" and "b"
		want map[peer.ID]peerHistory
		ask  []peer.ID // toReask afterwards
	}{
		{"refused", func(h *histories) { h.refused("a", reasonNotShared, at) },
			map[peer.ID]peerHistory{"a": {state: HistoryRefused, reason: reasonNotShared, at: at}}, []peer.ID{"a"}},
		{"received clears the refusal", func(h *histories) { h.refused("a", reasonNotShared, at); h.received("a") },
			map[peer.ID]peerHistory{"a": {state: HistoryReceived}}, nil},
		{"reasked are not asked again", func(h *histories) {
			h.refused("b", reasonNotShared, at)
			h.refused("a", reasonNotShared, at)
			h.reasked([]peer.ID{"a"})
		}, map[peer.ID]peerHistory{
			"a": {state: HistoryRefused, reason: reasonNotShared, at: at, reasked: true},
			"b": {state: HistoryRefused, reason: reasonNotShared, at: at},
		}, []peer.ID{"b"}},
		{"a new refusal rearms", func(h *histories) {
			h.refused("a", reasonNotShared, at)
			h.reasked([]peer.ID{"a"})
			h.refused("a", reasonNotStored, at.Add(time.Minute))
		}, map[peer.ID]peerHistory{"a": {state: HistoryRefused, reason: reasonNotStored, at: at.Add(time.Minute)}}, []peer.ID{"a"}},
		{"reasked leaves received alone", func(h *histories) { h.received("a"); h.reasked([]peer.ID{"a", "b"}) },
			map[peer.ID]peerHistory{"a": {state: HistoryReceived}}, nil},
		{"sorted", func(h *histories) { h.refused("b", reasonNotShared, at); h.refused("a", reasonNotShared, at) },
			map[peer.ID]peerHistory{
				"a": {state: HistoryRefused, reason: reasonNotShared, at: at},
				"b": {state: HistoryRefused, reason: reasonNotShared, at: at},
			}, []peer.ID{"a", "b"}},
		{"forget", func(h *histories) {
			h.refused("a", reasonNotShared, at)
			h.received("b")
			h.forget(func(p peer.ID) bool { return p == "b" })
		}, map[peer.ID]peerHistory{"b": {state: HistoryReceived}}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHistories()
			tt.do(h)
			for _, p := range []peer.ID{"a", "b"} {
				got, ok := h.get(p)
				want, wantOK := tt.want[p]
				if got != want || ok != wantOK {
					t.Errorf("%s: %+v, %v; want %+v, %v", p, got, ok, want, wantOK)
				}
			}
			if got := h.toReask(); !slices.Equal(got, tt.ask) {
				t.Errorf("toReask = %v, want %v", got, tt.ask)
			}
		})
	}
	t.Run("refused reports news", func(t *testing.T) {
		h := newHistories()
		for i, want := range []bool{true, false, true, false} {
			reason := reasonNotShared
			if i >= 2 {
				reason = reasonNotStored
			}
			if got := h.refused("a", reason, at); got != want {
				t.Errorf("refusal %d (%s): news = %v, want %v", i, reason, got, want)
			}
		}
	})
}

// storingContributors is a Received that also counts the reporter of each
// record it takes as a contributor in hist, as internal/history does: a
// node serves history to a newcomer once it stored one of its records.
type storingContributors struct {
	*fakeReceived
	hist *fakeHistory
}

func (s storingContributors) Receive(ctx context.Context, recs []*record.Record, from []peer.ID) error {
	for _, r := range recs {
		s.hist.contribute(r.Reporter)
	}
	return s.fakeReceived.Receive(ctx, recs, from)
}

func storesContributors(c *Config) {
	c.Received = storingContributors{c.Received.(*fakeReceived), c.History.(*fakeHistory)}
}

// peerInfo is what n says about p in Peers.
func peerInfo(n *Node, p peer.ID) (PeerInfo, bool) {
	ps := n.Peers()
	i := slices.IndexFunc(ps, func(pi PeerInfo) bool { return pi.ID == p })
	if i < 0 {
		return PeerInfo{}, false
	}
	return ps[i], true
}

// joinRefused starts a newcomer that joins a, and waits until a refused it
// history (it has shared nothing) and the two share the records topic.
func joinRefused(t *testing.T, a *testNode) *testNode {
	t.Helper()
	d := startNode(t, "", func(c *Config) { c.Bootstrap = []peer.AddrInfo{info(a.Node)} })
	eventually(t, 5*time.Second, "A refuses the newcomer history", func() bool {
		pi, ok := peerInfo(d.Node, a.ID())
		return ok && pi.History == HistoryRefused
	})
	pi, _ := peerInfo(d.Node, a.ID())
	if pi.HistoryRefusedReason != reasonNotShared || pi.HistoryRefusedAt.IsZero() || time.Since(pi.HistoryRefusedAt) > time.Minute {
		t.Errorf("the newcomer's view of A: %+v; want refused because it has not shared, just now", pi)
	}
	eventually(t, 5*time.Second, "the newcomer and A share the topic", func() bool {
		return topicPeers(a.Node) == 1 && topicPeers(d.Node) == 1
	})
	return d
}

// TestRefusedHistoryAfterSharing: a newcomer refused history at join time
// gets it within 2 s of publishing its first record, not at the next
// periodic sync.
func TestRefusedHistoryAfterSharing(t *testing.T) {
	a := startNode(t, "", storesContributors)
	_, otherSK := newIdentity(t)
	const n = 50
	for i := range n {
		a.hist.add(newRecord(otherSK, i, time.Now()))
	}
	d := joinRefused(t, a)
	if got := d.recv.count(); got != 0 {
		t.Fatalf("the newcomer received %d records before it shared", got)
	}

	shared := time.Now()
	d.local <- newRecord(d.sk, 1, time.Now())
	eventually(t, 2*time.Second, "the newcomer gets A's history after sharing its first record", func() bool {
		pi, _ := peerInfo(d.Node, a.ID())
		return d.recv.count() == n && pi.History == HistoryReceived
	})
	t.Logf("history received %v after the first record was shared", time.Since(shared).Round(time.Millisecond))
	if got := a.recv.count(); got != 1 {
		t.Errorf("A stored %d of the newcomer's records, want 1", got)
	}
	if pi, _ := peerInfo(d.Node, a.ID()); pi.HistoryRefusedReason != "" || !pi.HistoryRefusedAt.IsZero() {
		t.Errorf("the newcomer's view of A after sharing: %+v; want no refusal left", pi)
	}
	// A asked the newcomer too when it joined, and has shared nothing.
	if pi, _ := peerInfo(a.Node, d.ID()); pi.History != HistoryRefused || pi.HistoryRefusedReason != reasonNotShared {
		t.Errorf("A's view of the newcomer: %+v; want refused, as A has not shared", pi)
	}

	t.Run("peers joining later are not asked", func(t *testing.T) {
		// The newcomer is caught up: gossip carries the rest.
		e := startNode(t, "", func(c *Config) { c.Bootstrap = []peer.AddrInfo{info(d.Node)} })
		eventually(t, 5*time.Second, "the newcomer lists the later peer as pending", func() bool {
			pi, ok := peerInfo(d.Node, e.ID())
			return ok && pi.History == HistoryPending
		})
	})
	t.Run("peers that serve no history", func(t *testing.T) {
		h := startHostile(t) // a bare libp2p host: no sync protocol
		if err := h.dial(info(d.Node)); err != nil {
			t.Fatal(err)
		}
		eventually(t, 5*time.Second, "the newcomer lists the bare host", func() bool {
			_, ok := peerInfo(d.Node, h.id)
			return ok
		})
		if pi, _ := peerInfo(d.Node, h.id); pi.History != HistoryNone {
			t.Errorf("history of a peer without %s: %q, want %q", SyncProtocol, pi.History, HistoryNone)
		}
	})
}

// TestReaskBounded: a peer that keeps refusing after this node shared (it
// never stores our records) is asked reaskTries more times, then left to
// the periodic sync, however many records this node shares.
func TestReaskBounded(t *testing.T) {
	a := startNode(t, "", nil)
	d := joinRefused(t, a)
	// Counted from here: the request at join.
	before := a.Stats().SyncRefused
	d.local <- newRecord(d.sk, 1, time.Now())
	eventually(t, 20*time.Second, "the newcomer stops asking again", func() bool {
		ph, _ := d.hists.get(a.ID())
		return ph.reasked
	})
	pi, _ := peerInfo(d.Node, a.ID())
	if pi.History != HistoryRefused || pi.HistoryRefusedReason != reasonNotStored {
		t.Errorf("the newcomer's view of A: %+v; want refused, as A holds no record from it", pi)
	}
	want := before + reaskTries
	if s := a.Stats(); s.SyncRefused != want {
		t.Errorf("A refused %d requests, want %d (%d at join, then %d after sharing)", s.SyncRefused, want, before, reaskTries)
	}
	d.local <- newRecord(d.sk, 2, time.Now())
	time.Sleep(2 * reaskWait)
	if s := a.Stats(); s.SyncRefused != want {
		t.Errorf("after another record A refused %d requests, want still %d", s.SyncRefused, want)
	}
	if p := d.Stats().Published; p != 2 {
		t.Errorf("the newcomer published %d records, want 2", p)
	}
}
