package store

import (
	"context"
	"net/netip"
	"testing"
	"time"
)

func TestReportedIsStoredOncePerClientAndPruned(t *testing.T) {
	s := openTest(t, "", Config{MaxAge: 7 * 24 * time.Hour})
	ctx := context.Background()
	now := time.Now()
	ev := func(client, uuid string, at time.Time) Reported {
		return Reported{Client: client, UUID: uuid, Time: at, SourceIP: netip.MustParseAddr("192.0.2.1"),
			Method: "OPTIONS", Data: []byte(`{}`)}
	}
	added, err := s.AddReported(ctx, []Reported{ev("a", "u1", now), ev("a", "u2", now.Add(-30*24*time.Hour)), ev("b", "u1", now)})
	if err != nil || len(added) != 3 {
		t.Fatalf("AddReported = %d new, %v; want 3", len(added), err)
	}
	added, err = s.AddReported(ctx, []Reported{ev("a", "u1", now), ev("a", "u3", now)})
	if err != nil || len(added) != 1 || added[0].UUID != "u3" {
		t.Fatalf("re-post: %v, %v; want only u3 new", added, err)
	}
	if _, err := s.prune(ctx, now); err != nil {
		t.Fatal(err)
	}
	var got []string
	if err := s.ScanReported(ctx, func(r *Reported) error { got = append(got, r.Client+"/"+r.UUID); return nil }); err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 {
		t.Errorf("after pruning: %v; want a/u1, b/u1, a/u3 (a/u2 is older than MaxAge)", got)
	}
}
