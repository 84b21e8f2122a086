package store

import (
	"context"
	"fmt"
	"net/netip"
	"testing"
	"time"
)

func shared(i int, last time.Time) Shared {
	return Shared{
		Reporter: [32]byte{byte(i)}, SourceIP: netip.MustParseAddr(fmt.Sprintf("203.0.113.%d", i%250)),
		Number: "0044" + fmt.Sprint(i), Method: "INVITE", UserAgent: "ua", First: last.Add(-time.Second), Last: last,
		Count: uint32(i + 1), Via: "peer", Data: []byte(fmt.Sprintf("record %d", i)),
	}
}

func TestShared(t *testing.T) {
	s := openTest(t, "", Config{MaxAge: time.Hour})
	now := time.Now().UTC().Truncate(time.Microsecond)
	var recs []Shared
	for i := range 10 {
		recs = append(recs, shared(i, now))
	}
	added, err := s.AddShared(t.Context(), recs)
	if err != nil || len(added) != 10 || added[0].Seq == 0 || added[9].Seq <= added[0].Seq {
		t.Fatalf("AddShared = %d added (%v), %v", len(added), added, err)
	}
	// The same records again, with one new: only the new one is added.
	again, err := s.AddShared(t.Context(), append(recs[:3:3], shared(10, now)))
	if err != nil || len(again) != 1 || again[0].Data == nil || string(again[0].Data) != "record 10" {
		t.Fatalf("AddShared of duplicates = %v, %v; want the one new record", again, err)
	}

	got, last, err := s.SharedSince(t.Context(), added[4].Seq, 3)
	if err != nil || len(got) != 3 || got[0].Seq != added[5].Seq || last != added[7].Seq {
		t.Fatalf("SharedSince = %d records, last %d, %v", len(got), last, err)
	}
	w := recs[5]
	w.Seq = got[0].Seq
	if fmt.Sprint(got[0]) != fmt.Sprint(w) {
		t.Errorf("read back %+v\nwant %+v", got[0], w)
	}
	if none, last, err := s.SharedSince(t.Context(), again[0].Seq, 10); err != nil || len(none) != 0 || last != again[0].Seq {
		t.Errorf("SharedSince the end = %d, %d, %v", len(none), last, err)
	}

	n := 0
	if err := s.ScanShared(t.Context(), func(*Shared) error { n++; return nil }); err != nil || n != 11 {
		t.Errorf("ScanShared saw %d, %v; want 11", n, err)
	}

	// Retention: an old record goes, and the sequence never goes back.
	if _, err := s.AddShared(t.Context(), []Shared{shared(20, now.Add(-2*time.Hour))}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.prune(t.Context(), now); err != nil {
		t.Fatal(err)
	}
	n = 0
	s.ScanShared(t.Context(), func(*Shared) error { n++; return nil })
	if n != 11 || s.Stats().SharedDeleted != 1 {
		t.Errorf("after retention %d records, %d deleted; want 11 and 1", n, s.Stats().SharedDeleted)
	}
	if _, err := s.prune(t.Context(), now.Add(3*time.Hour)); err != nil {
		t.Fatal(err)
	}
	fresh, err := s.AddShared(t.Context(), []Shared{shared(30, now.Add(3*time.Hour))})
	if err != nil || len(fresh) != 1 || fresh[0].Seq <= again[0].Seq {
		t.Errorf("after emptying the table, seq %v, want above %d", fresh, again[0].Seq)
	}
}

// BenchmarkAddShared: one received record per call, as gossip delivers
// them one at a time when the network is quiet.
func BenchmarkAddShared(b *testing.B) {
	s := openTest(b, "", Config{MaxAge: time.Hour})
	now := time.Now()
	i := 0
	for b.Loop() {
		if _, err := s.AddShared(context.Background(), []Shared{shared(i, now)}); err != nil {
			b.Fatal(err)
		}
		i++
	}
}
