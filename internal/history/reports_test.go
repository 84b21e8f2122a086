package history

import (
	"crypto/ed25519"
	"log/slog"
	"net/netip"
	"path/filepath"
	"testing"
	"time"

	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/sentrypeer/sentrypeer/internal/record"
	"github.com/sentrypeer/sentrypeer/internal/store"
)

// TestReports: peers' records about an IP come back whole, destination and
// raw message included when their reporter shared them; ours do not.
func TestReports(t *testing.T) {
	logger := slog.New(slog.DiscardHandler)
	st, err := store.Open(t.Context(), filepath.Join(t.TempDir(), "db"), store.Config{}, logger)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	h := New(st, nil, time.Hour, logger)
	_, peerKey, _ := ed25519.GenerateKey(nil)
	_, ownKey, _ := ed25519.GenerateKey(nil)
	now := time.Now().UTC()

	plain := signed(t, peerKey, "203.0.113.1", 1, now.Add(-time.Minute))
	full := signed(t, peerKey, "203.0.113.1", 1, now)
	full.Destination = netip.MustParseAddrPort("192.0.2.10:5060")
	full.Raw = "INVITE sip:100@192.0.2.10 SIP/2.0\r\n\r\n"
	full.Sign(peerKey)
	if err := h.Receive(t.Context(), []*record.Record{plain, full}, []peer.ID{"relay-a", "relay-b"}); err != nil {
		t.Fatal(err)
	}
	if err := h.Publish(t.Context(), []*record.Record{signed(t, ownKey, "203.0.113.1", 3, now)}); err != nil {
		t.Fatal(err)
	}

	got, err := h.Reports(t.Context(), netip.MustParseAddr("203.0.113.1"), 10)
	if err != nil || len(got) != 2 {
		t.Fatalf("Reports = %d, %v; want the 2 peers' records", len(got), err)
	}
	if r := got[0]; r.Via != peer.ID("relay-b").String() || r.Record.Destination != full.Destination || r.Record.Raw != full.Raw ||
		time.Since(r.Received) > time.Minute {
		t.Errorf("newest report: via %s, destination %v, raw %q, received %v", r.Via, r.Record.Destination, r.Record.Raw, r.Received)
	}
	if r := got[1]; r.Via != peer.ID("relay-a").String() || r.Record.Destination.IsValid() || r.Record.Raw != "" {
		t.Errorf("older report: via %s, destination %v, raw %q; want neither", r.Via, r.Record.Destination, r.Record.Raw)
	}
	if err := record.Validate(got[0].Record, now, record.Limits{AllowPrivate: true}); err != nil {
		t.Errorf("a report read back does not validate: %v", err)
	}
}
