package history

import (
	"crypto/ed25519"
	"log/slog"
	"net/netip"
	"path/filepath"
	"testing"
	"time"

	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/sentrypeer/sentrypeer/internal/event"
	"github.com/sentrypeer/sentrypeer/internal/index"
	"github.com/sentrypeer/sentrypeer/internal/record"
	"github.com/sentrypeer/sentrypeer/internal/store"
)

func signed(t *testing.T, key ed25519.PrivateKey, ip string, count uint32, last time.Time) *record.Record {
	t.Helper()
	r := &record.Record{
		SourceIP: netip.MustParseAddr(ip), CalledNumber: "0044", Method: "INVITE", UserAgent: "ua",
		Transport: event.UDP, FirstSeen: last.Add(-time.Second), LastSeen: last, Count: count,
	}
	r.Sign(key)
	return r
}

func TestHistory(t *testing.T) {
	dir := t.TempDir()
	logger := slog.New(slog.DiscardHandler)
	st, err := store.Open(t.Context(), filepath.Join(dir, "db"), store.Config{}, logger)
	if err != nil {
		t.Fatal(err)
	}
	idx := index.New(index.Config{})
	h := New(st, idx, time.Hour, logger)
	_, peerKey, _ := ed25519.GenerateKey(nil)
	_, ownKey, _ := ed25519.GenerateKey(nil)
	now := time.Now().UTC()

	a := signed(t, peerKey, "203.0.113.1", 5, now)
	b := signed(t, peerKey, "203.0.113.2", 1, now)
	if err := h.Receive(t.Context(), []*record.Record{a, b}, []peer.ID{"via", "via"}); err != nil {
		t.Fatal(err)
	}
	// The same record again (say by sync after gossip) is not counted twice.
	if err := h.Receive(t.Context(), []*record.Record{a}, []peer.ID{"other"}); err != nil {
		t.Fatal(err)
	}
	s, ok := idx.SummaryIP(netip.MustParseAddr("203.0.113.1"))
	if !ok || s.Count != 5 || s.Sources != index.Peer || s.Reporters != 1 {
		t.Errorf("after Receive: %+v, %v; want 5 sightings from one peer", s, ok)
	}
	if !h.Contributed(peerKey.Public().(ed25519.PublicKey)) || h.Contributed(ownKey.Public().(ed25519.PublicKey)) || h.Contributed(nil) {
		t.Error("Contributed wrong")
	}

	own := signed(t, ownKey, "203.0.113.3", 2, now)
	if err := h.Publish(t.Context(), []*record.Record{own}); err != nil {
		t.Fatal(err)
	}
	if _, ok := idx.SummaryIP(netip.MustParseAddr("203.0.113.3")); ok {
		t.Error("our own record was indexed as a report: the index has the events themselves")
	}

	got, last, err := h.Since(t.Context(), 0, 10)
	if err != nil || len(got) != 3 || got[0].SourceIP != a.SourceIP || got[2].SourceIP != own.SourceIP {
		t.Fatalf("Since(0) = %d records, %v", len(got), err)
	}
	if err := record.Validate(got[2], now, record.Limits{AllowPrivate: true}); err != nil {
		t.Errorf("a served record does not validate: %v", err)
	}
	if more, _, _ := h.Since(t.Context(), last, 10); len(more) != 0 {
		t.Errorf("Since(last) = %d records", len(more))
	}
	st.Close()

	// After a restart, peers' records are indexed again, ours are not.
	st, err = store.Open(t.Context(), filepath.Join(dir, "db"), store.Config{}, logger)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	idx = index.New(index.Config{})
	h = New(st, idx, time.Hour, logger)
	if n, err := h.Load(t.Context()); err != nil || n != 2 {
		t.Fatalf("Load = %d, %v; want the 2 peer records", n, err)
	}
	if !h.Contributed(peerKey.Public().(ed25519.PublicKey)) {
		t.Error("after Load, the peer is not known to have contributed")
	}
	// Contributions count for the retention window only.
	h.now = func() time.Time { return now.Add(2 * time.Hour) }
	if h.Contributed(peerKey.Public().(ed25519.PublicKey)) {
		t.Error("a peer whose records are all older than the window still counts as a contributor")
	}
	// Without an index (the API off), records are still stored and served.
	bare := New(st, nil, time.Hour, logger)
	if err := bare.Receive(t.Context(), []*record.Record{signed(t, peerKey, "203.0.113.9", 1, now)}, []peer.ID{"via"}); err != nil {
		t.Fatal(err)
	}
	if got, _, err := bare.Since(t.Context(), 0, 10); err != nil || len(got) != 4 {
		t.Errorf("Since without an index = %d records, %v; want 4", len(got), err)
	}
	if s, ok := idx.SummaryIP(netip.MustParseAddr("203.0.113.1")); !ok || s.Count != 5 {
		t.Errorf("after Load: %+v", s)
	}
}
