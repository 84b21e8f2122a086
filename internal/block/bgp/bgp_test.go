package bgp

import (
	"context"
	"errors"
	"net/netip"
	"slices"
	"testing"
	"time"

	"github.com/sentrypeer/sentrypeer/internal/decision"
)

func (b *Blocker) announcedList() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []string
	for p := range b.announced {
		out = append(out, p.String())
	}
	slices.Sort(out)
	return out
}

// TestCap runs a speaker whose neighbour never answers: the RIB is
// filled all the same.
func TestCap(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	b, err := New(Config{
		ASN: 65002, RouterID: netip.MustParseAddr("127.0.0.2"), MaxPrefixes: 2,
		Neighbors: []Neighbor{{Addr: netip.MustParseAddr("127.0.0.1"), Port: 9, ASN: 65001, Local: netip.MustParseAddr("127.0.0.2")}},
	}, testLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	wctx, wcancel := context.WithTimeout(ctx, 50*time.Millisecond)
	if err := b.Sync(wctx, nil); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Sync before Serve = %v, want to wait", err)
	}
	wcancel()
	errc := make(chan error, 1)
	go func() { errc <- b.Serve(ctx) }()

	strong := ipDecision("203.0.113.1", decision.Manual)
	mid := ipDecision("203.0.113.2", decision.Trusted)
	weak := ipDecision("2001:db8::3", decision.Peers)
	num := decision.Decision{Value: "+441234", Kind: decision.Number}
	check := func(what string, want ...string) {
		t.Helper()
		if got := b.announcedList(); !slices.Equal(got, want) {
			t.Fatalf("%s: announced %v, want %v", what, got, want)
		}
		if b.Held() != len(want) {
			t.Fatalf("%s: Held %d, want %d", what, b.Held(), len(want))
		}
	}
	if err := b.Sync(ctx, []decision.Decision{weak, mid, strong, num}); err != nil {
		t.Fatal(err)
	}
	check("capped Sync", "203.0.113.1/32", "203.0.113.2/32")
	if err := b.Apply(ctx, []decision.Change{{Op: decision.Removed, Decision: mid}}); err != nil {
		t.Fatal(err)
	}
	check("room made", "2001:db8::3/128", "203.0.113.1/32")
	if err := b.Apply(ctx, []decision.Change{{Op: decision.Removed, Decision: num}, {Op: decision.Removed, Decision: ipDecision("192.0.2.99", decision.Local)}}); err != nil {
		t.Fatal(err)
	}
	check("unknown removals", "2001:db8::3/128", "203.0.113.1/32")
	if err := b.Apply(ctx, []decision.Change{{Op: decision.Added, Decision: mid}}); err != nil {
		t.Fatal(err)
	}
	check("over the cap: announced ones stay", "2001:db8::3/128", "203.0.113.1/32")
	if err := b.Sync(ctx, []decision.Decision{weak, mid, strong}); err != nil {
		t.Fatal(err)
	}
	check("Sync selects again", "203.0.113.1/32", "203.0.113.2/32")
	if err := b.Apply(ctx, []decision.Change{{Op: decision.Removed, Decision: strong}, {Op: decision.Removed, Decision: weak}, {Op: decision.Added, Decision: strong}}); err != nil {
		t.Fatal(err)
	}
	check("in order", "203.0.113.1/32", "203.0.113.2/32")
	if err := b.Sync(ctx, nil); err != nil {
		t.Fatal(err)
	}
	check("empty Sync")

	s := b.Status(ctx)
	if !s.Running || len(s.Neighbors) != 1 || s.Neighbors[0].State == "established" || s.Neighbors[0].State == "stopped" {
		t.Fatalf("status %+v", s)
	}
	cancel()
	if err := <-errc; err != nil {
		t.Fatalf("Serve = %v", err)
	}
	if err := b.Sync(context.Background(), nil); !errors.Is(err, ErrNotRunning) {
		t.Fatalf("Sync after Serve = %v, want ErrNotRunning", err)
	}
	if s := b.Status(context.Background()); s.Running || s.Neighbors[0].State != "stopped" {
		t.Fatalf("status after Serve %+v", s)
	}
}
