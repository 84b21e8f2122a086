package store

import (
	"context"
	"fmt"
	"net/netip"
	"testing"
	"time"

	"github.com/sentrypeer/sentrypeer/internal/event"
)

// tableRows returns the rows of blocks and of both lookup tables, and
// fails the test if a lookup row points to a missing block or lies outside
// its block's rowid range.
func tableRows(t *testing.T, s *Store) (blocks, ips, numbers int64) {
	t.Helper()
	for _, q := range []struct {
		sql string
		dst *int64
	}{
		{"SELECT count(*) FROM blocks", &blocks},
		{"SELECT count(*) FROM block_source_ips", &ips},
		{"SELECT count(*) FROM block_called_numbers", &numbers},
	} {
		if err := s.rdb.QueryRowContext(t.Context(), q.sql).Scan(q.dst); err != nil {
			t.Fatal(err)
		}
	}
	var bad int64
	err := s.rdb.QueryRowContext(t.Context(), `SELECT
		(SELECT count(*) FROM block_source_ips k LEFT JOIN blocks b ON b.id = k.block
			WHERE b.id IS NULL OR k.rowid NOT BETWEEN b.ip_first AND b.ip_last) +
		(SELECT count(*) FROM block_called_numbers k LEFT JOIN blocks b ON b.id = k.block
			WHERE b.id IS NULL OR k.rowid NOT BETWEEN b.number_first AND b.number_last)`).Scan(&bad)
	if err != nil {
		t.Fatal(err)
	}
	if bad != 0 {
		t.Errorf("%d lookup rows without their block or outside its range", bad)
	}
	return blocks, ips, numbers
}

func TestRetention(t *testing.T) {
	now := time.Now()
	const maxAge = 7 * 24 * time.Hour
	// block writes one block of n events at time at, from n sources calling
	// n numbers.
	block := func(t *testing.T, s *Store, at time.Time, n int) {
		t.Helper()
		var evs []*event.Event
		for i := range n {
			src := netip.AddrPortFrom(netip.AddrFrom4([4]byte{192, 0, 2, byte(i)}), 5060)
			evs = append(evs, probe(at.Add(time.Duration(i)*time.Millisecond), src, fmt.Sprint(100+i)))
		}
		write(t, s, evs...)
	}
	old := now.Add(-maxAge - time.Hour)
	young := now.Add(-maxAge + time.Hour)

	t.Run("chunked", func(t *testing.T) {
		s := openTest(t, "", Config{MaxAge: maxAge, PruneChunk: 10})
		for i := range 5 {
			block(t, s, old.Add(time.Duration(i)*time.Minute), 4) // 4+4 lookup rows each
		}
		block(t, s, young, 3)
		cutoff := now.Add(-maxAge).UnixNano()
		var p pruneProgress
		var events int64
		for chunk := 0; ; chunk++ {
			if chunk == 10 {
				t.Fatal("pruning does not end")
			}
			b0, i0, n0 := tableRows(t, s)
			n, done, err := s.pruneChunk(cutoff, s.cfg.PruneChunk, &p)
			if err != nil {
				t.Fatal(err)
			}
			events += n
			b1, i1, n1 := tableRows(t, s)
			if rows := b0 - b1 + i0 - i1 + n0 - n1; rows > 10 || (rows == 0 && !done) {
				t.Errorf("chunk %d deleted %d rows, want 1..10", chunk, rows)
			}
			if done {
				break
			}
		}
		if b, i, n := tableRows(t, s); b != 1 || i != 3 || n != 3 {
			t.Errorf("left %d blocks, %d IP rows, %d number rows; want 1, 3, 3", b, i, n)
		}
		if events != 20 || s.Stats().RetentionDeleted != 20 {
			t.Errorf("deleted %d events (Stats %d), want 20", events, s.Stats().RetentionDeleted)
		}
		if n := count(t, s); n != 3 {
			t.Errorf("%d events left, want 3", n)
		}
	})

	t.Run("interrupted block is finished by a later pass", func(t *testing.T) {
		s := openTest(t, "", Config{MaxAge: maxAge})
		block(t, s, old, 8)
		var p pruneProgress
		if n, done, err := s.pruneChunk(now.Add(-maxAge).UnixNano(), 3, &p); err != nil || n != 0 || done {
			t.Fatalf("pruneChunk = %d, %v, %v; want 0 events, not done", n, done, err)
		}
		if b, i, n := tableRows(t, s); b != 1 || i != 5 || n != 8 {
			t.Errorf("after one chunk: %d blocks, %d IP rows, %d number rows; want 1, 5, 8", b, i, n)
		}
		// A new pass (as after a restart) knows nothing of the first.
		if n, err := s.prune(t.Context(), now); err != nil || n != 8 {
			t.Fatalf("prune = %d, %v; want 8", n, err)
		}
		if b, i, n := tableRows(t, s); b != 0 || i != 0 || n != 0 {
			t.Errorf("left %d blocks, %d IP rows, %d number rows", b, i, n)
		}
	})

	t.Run("a block goes when its newest event expires", func(t *testing.T) {
		s := openTest(t, "", Config{MaxAge: maxAge})
		cut := now.Add(-maxAge)
		write(t, s, probe(cut.Add(-10*time.Second), src, "100"), probe(cut.Add(10*time.Second), src, "100"))
		if n, err := s.prune(t.Context(), now); err != nil || n != 0 {
			t.Errorf("prune = %d, %v; want the block kept", n, err)
		}
		if n, err := s.prune(t.Context(), now.Add(11*time.Second)); err != nil || n != 2 {
			t.Errorf("prune 11 s later = %d, %v; want 2", n, err)
		}
	})

	t.Run("RunRetention", func(t *testing.T) {
		s := openTest(t, "", Config{MaxAge: maxAge, PruneChunk: 3, PruneEvery: 20 * time.Millisecond})
		for i := range 10 {
			block(t, s, old.Add(-time.Duration(i)*time.Hour), 1)
		}
		block(t, s, young, 2)
		ctx, cancel := context.WithCancel(t.Context())
		done := make(chan error, 1)
		go func() { done <- s.RunRetention(ctx) }()
		if _, ok := waitFor(t, 5*time.Second, func() bool { return count(t, s) == 2 }); !ok {
			t.Fatalf("%d events left, want 2", count(t, s))
		}
		// Events that expire later go in a later pass.
		write(t, s, probe(old, netip.MustParseAddrPort("192.0.2.99:5060"), "100"))
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
		if b, i, n := tableRows(t, s); b != 1 || i != 2 || n != 2 {
			t.Errorf("left %d blocks, %d IP rows, %d number rows; want 1, 2, 2", b, i, n)
		}
	})

	t.Run("runs beside the writer", func(t *testing.T) {
		s := openTest(t, "", Config{MaxAge: maxAge, PruneChunk: 50, PruneEvery: time.Millisecond, BatchSize: 100, FlushInterval: time.Millisecond})
		ctx, cancel := context.WithCancel(t.Context())
		defer cancel()
		go s.RunRetention(ctx)
		ch := event.NewQueue(100)
		wait := startRun(ctx, s, ch)
		for i := range 2000 {
			at := young
			if i%2 == 0 {
				at = old
			}
			src := netip.AddrPortFrom(netip.AddrFrom4([4]byte{192, 0, 2, byte(i % 50)}), 5060)
			send(ch, probe(at, src, fmt.Sprint(i%30)))
		}
		ch.Close()
		if err := wait(); err != nil {
			t.Fatal(err)
		}
		if _, ok := waitFor(t, 5*time.Second, func() bool { return count(t, s) == 1000 }); !ok {
			t.Fatalf("%d events left, want 1000", count(t, s))
		}
		if st := s.Stats(); st.EventsStored != 2000 || st.EventsLost != 0 {
			t.Errorf("Stats = %+v", st)
		}
		cancel()
		tableRows(t, s)
		evs, err := s.Events(t.Context(), Query{SourceIP: netip.MustParseAddr("192.0.2.1"), Limit: MaxLimit})
		if err != nil || len(evs) != 40 {
			t.Errorf("Events by IP = %d, %v; want the 40 young ones", len(evs), err)
		}
	})
}
