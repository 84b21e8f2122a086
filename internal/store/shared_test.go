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
	if time.Since(got[0].Received) > time.Minute || got[0].Received.After(time.Now()) {
		t.Errorf("Received = %v, want when it was stored", got[0].Received)
	}
	w.Received = got[0].Received
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

// TestPeersReports: what peers reported about an IP, newest first, without
// this node's own records.
func TestPeersReports(t *testing.T) {
	s := openTest(t, "", Config{MaxAge: time.Hour})
	now := time.Now().UTC().Truncate(time.Microsecond)
	ip := netip.MustParseAddr("203.0.113.7")
	var recs []Shared
	for i, via := range []string{"peer-a", "", "peer-b", "peer-a"} {
		r := shared(7, now.Add(time.Duration(i)*time.Second))
		r.Via, r.Data = via, []byte(fmt.Sprint("report ", i))
		recs = append(recs, r)
	}
	recs = append(recs, shared(8, now)) // another IP
	if _, err := s.AddShared(t.Context(), recs); err != nil {
		t.Fatal(err)
	}
	got, err := s.PeersReports(t.Context(), ip, 10)
	if err != nil {
		t.Fatal(err)
	}
	var data []string
	for _, r := range got {
		data = append(data, string(r.Data))
	}
	if want := []string{"report 3", "report 2", "report 0"}; fmt.Sprint(data) != fmt.Sprint(want) {
		t.Errorf("reports %v, want %v (peers' only, newest first)", data, want)
	}
	if got, _ := s.PeersReports(t.Context(), ip, 1); len(got) != 1 {
		t.Errorf("limit 1 gave %d", len(got))
	}
	if got, _ := s.PeersReports(t.Context(), netip.MustParseAddr("192.0.2.1"), 10); len(got) != 0 {
		t.Errorf("an IP nobody reported has %d reports", len(got))
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
