package store

import (
	"context"
	"net/netip"
	"testing"
	"time"

	"github.com/sentrypeer/sentrypeer/internal/event"
)

func TestRetention(t *testing.T) {
	now := time.Now()
	const maxAge = 7 * 24 * time.Hour
	fill := func(t *testing.T, s *Store, old, young int) {
		t.Helper()
		var evs []*event.Event
		for i := range old {
			evs = append(evs, probe(now.Add(-maxAge-time.Duration(i+1)*time.Minute), src, "100"))
		}
		for i := range young {
			evs = append(evs, probe(now.Add(-maxAge+time.Duration(i+1)*time.Minute), src, "100"))
		}
		write(t, s, evs...)
	}

	t.Run("chunked", func(t *testing.T) {
		s := openTest(t, "", Config{MaxAge: maxAge, PruneChunk: 10})
		fill(t, s, 25, 5)
		cutoff := now.Add(-maxAge).UnixNano()
		for i, want := range []int64{10, 10, 5, 0} {
			n, err := s.pruneChunk(cutoff, s.cfg.PruneChunk)
			if err != nil {
				t.Fatal(err)
			}
			if n != want {
				t.Errorf("chunk %d deleted %d events, want %d", i, n, want)
			}
		}
		if n := count(t, s); n != 5 {
			t.Errorf("%d events left, want 5", n)
		}
	})

	t.Run("pass deletes old and keeps new", func(t *testing.T) {
		s := openTest(t, "", Config{MaxAge: maxAge, PruneChunk: 10})
		fill(t, s, 25, 5)
		n, err := s.prune(t.Context(), now)
		if err != nil || n != 25 {
			t.Fatalf("prune = %d, %v; want 25, nil", n, err)
		}
		got, err := s.Events(t.Context(), Query{})
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 5 {
			t.Fatalf("%d events left, want 5", len(got))
		}
		for _, e := range got {
			if now.Sub(e.Time) >= maxAge {
				t.Errorf("kept an event of age %v", now.Sub(e.Time))
			}
		}
		if st := s.Stats(); st.RetentionDeleted != 25 {
			t.Errorf("RetentionDeleted = %d, want 25", st.RetentionDeleted)
		}
	})

	t.Run("RunRetention", func(t *testing.T) {
		s := openTest(t, "", Config{MaxAge: maxAge, PruneChunk: 3, PruneEvery: 20 * time.Millisecond})
		fill(t, s, 10, 2)
		ctx, cancel := context.WithCancel(t.Context())
		done := make(chan error, 1)
		go func() { done <- s.RunRetention(ctx) }()
		if _, ok := waitFor(t, 5*time.Second, func() bool { return count(t, s) == 2 }); !ok {
			t.Fatalf("%d events left, want 2", count(t, s))
		}
		// Events that expire later go in a later pass.
		write(t, s, probe(now.Add(-maxAge-time.Hour), netip.MustParseAddrPort("192.0.2.99:5060"), "100"))
		if _, ok := waitFor(t, 5*time.Second, func() bool { return count(t, s) == 2 }); !ok {
			t.Fatalf("%d events left, want 2", count(t, s))
		}
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("RunRetention = %v, want nil", err)
			}
		case <-time.After(5 * time.Second):
			t.Fatal("RunRetention did not return after cancel")
		}
		if st := s.Stats(); st.RetentionDeleted != 11 || st.RetentionErrors != 0 {
			t.Errorf("Stats = %+v, want 11 deleted, no errors", st)
		}
	})

	t.Run("runs beside the writer", func(t *testing.T) {
		s := openTest(t, "", Config{MaxAge: maxAge, PruneChunk: 50, PruneEvery: time.Millisecond, BatchSize: 100, FlushInterval: time.Millisecond})
		ctx, cancel := context.WithCancel(t.Context())
		defer cancel()
		go s.RunRetention(ctx)
		ch := make(chan *event.Event, 100)
		wait := startRun(ctx, s, ch)
		for i := range 2000 {
			age := maxAge - time.Hour
			if i%2 == 0 {
				age = maxAge + time.Hour
			}
			ch <- probe(now.Add(-age), src, "100")
		}
		close(ch)
		if err := wait(); err != nil {
			t.Fatal(err)
		}
		if _, ok := waitFor(t, 5*time.Second, func() bool { return count(t, s) == 1000 }); !ok {
			t.Fatalf("%d events left, want 1000", count(t, s))
		}
		if st := s.Stats(); st.EventsStored != 2000 || st.EventsLost != 0 {
			t.Errorf("Stats = %+v", st)
		}
	})
}
