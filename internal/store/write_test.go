package store

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/sentrypeer/sentrypeer/internal/event"
)

var src = netip.MustParseAddrPort("198.51.100.7:5060")

func count(t testing.TB, s *Store) int64 {
	t.Helper()
	n, err := s.Count(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestRunBatching(t *testing.T) {
	t.Run("flush interval", func(t *testing.T) {
		const interval = 100 * time.Millisecond
		s := openTest(t, "", Config{FlushInterval: interval})
		ch := event.NewQueue(10)
		ctx, cancel := context.WithCancel(t.Context())
		wait := startRun(ctx, s, ch)
		defer func() {
			cancel()
			if err := wait(); !errors.Is(err, context.Canceled) {
				t.Errorf("Run after cancel = %v, want context.Canceled", err)
			}
		}()

		sent := time.Now()
		ch.Put(probe(time.Now(), src, "100"))
		// The timer starts when Run receives the event, so nothing can be
		// visible before one interval has passed since the send.
		n := count(t, s)
		if early := time.Since(sent); early < interval && n != 0 {
			t.Errorf("event visible after %v, before the %v flush interval", early, interval)
		}
		_, ok := waitFor(t, 2*time.Second, func() bool { return count(t, s) == 1 })
		took := time.Since(sent)
		if !ok {
			t.Fatalf("event not visible after %v", took)
		}
		// ~2 intervals, with room for a loaded 2-core machine.
		if took > 3*interval {
			t.Errorf("event visible after %v, want about %v", took, interval)
		}
		t.Logf("visible after %v", took)
	})

	t.Run("full batch flushes at once", func(t *testing.T) {
		s := openTest(t, "", Config{BatchSize: 10, FlushInterval: time.Hour})
		ch := event.NewQueue(100)
		ctx, cancel := context.WithCancel(t.Context())
		wait := startRun(ctx, s, ch)
		defer func() { cancel(); wait() }()
		for range 25 {
			ch.Put(probe(time.Now(), src, "100"))
		}
		// Two full batches; the last 5 wait for the (hour-long) interval.
		if _, ok := waitFor(t, 5*time.Second, func() bool { return count(t, s) == 20 }); !ok {
			t.Fatalf("stored %d events, want 20", count(t, s))
		}
		time.Sleep(50 * time.Millisecond)
		if n := count(t, s); n != 20 {
			t.Errorf("stored %d events, want 20 until the interval ends", n)
		}
		if st := s.Stats(); st.Batches != 2 || st.EventsStored != 20 {
			t.Errorf("Stats = %+v, want 2 batches of 10", st)
		}
	})

	t.Run("close flushes what is queued", func(t *testing.T) {
		s := openTest(t, "", Config{BatchSize: 7, FlushInterval: time.Hour})
		ch := event.NewQueue(100)
		for i := range 31 {
			if i == 15 {
				ch.Put(nil) // ignored
				continue
			}
			ch.Put(probe(time.Now(), src, "100"))
		}
		ch.Close()
		if err := s.Run(t.Context(), ch); err != nil {
			t.Fatalf("Run = %v, want nil", err)
		}
		if n := count(t, s); n != 30 {
			t.Errorf("stored %d events, want 30", n)
		}
		st := s.Stats()
		if st.Batches != 5 || st.EventsStored != 30 || st.EventsLost != 0 || st.LastBatchDuration <= 0 || st.WriteTime < st.LastBatchDuration {
			t.Errorf("Stats = %+v", st)
		}
	})
}

func TestRunCancel(t *testing.T) {
	s := openTest(t, "", Config{FlushInterval: time.Hour})
	ch := event.NewQueue(10)
	ctx, cancel := context.WithCancel(t.Context())
	wait := startRun(ctx, s, ch)
	ch.Put(probe(time.Now(), src, "100"))
	ch.Put(probe(time.Now(), src, "100"))
	if _, ok := waitFor(t, 5*time.Second, func() bool { return ch.Len() == 0 }); !ok {
		t.Fatal("Run did not take the events")
	}
	cancel()
	done := make(chan error)
	go func() { done <- wait() }()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("Run = %v, want context.Canceled", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not return after cancel")
	}
	if st := s.Stats(); st.EventsLost != 2 || st.EventsStored != 0 {
		t.Errorf("Stats = %+v, want the 2 gathered events counted lost", st)
	}
}

// setReadOnly makes every write of s fail (SQLITE_READONLY) or work again,
// standing in for a failing disk.
func setReadOnly(t testing.TB, s *Store, on bool) {
	t.Helper()
	s.wmu.Lock()
	defer s.wmu.Unlock()
	v := "0"
	if on {
		v = "1"
	}
	if _, err := s.wconn.ExecContext(context.Background(), "PRAGMA query_only="+v); err != nil {
		t.Fatal(err)
	}
}

func TestRunWriteFailure(t *testing.T) {
	t.Run("permanent failure loses the batch and goes on", func(t *testing.T) {
		s := openTest(t, "", Config{BatchSize: 3, FlushInterval: time.Hour})
		s.retryBackoff = time.Millisecond
		setReadOnly(t, s, true)
		ch := event.NewQueue(10)
		ctx, cancel := context.WithCancel(t.Context())
		defer cancel()
		wait := startRun(ctx, s, ch)
		for range 3 {
			ch.Put(probe(time.Now(), src, "100"))
		}
		if _, ok := waitFor(t, 5*time.Second, func() bool { return s.Stats().FailedBatches == 1 }); !ok {
			t.Fatalf("batch not given up: %+v", s.Stats())
		}
		// The disk recovers: the next batch is stored.
		setReadOnly(t, s, false)
		for range 3 {
			ch.Put(probe(time.Now(), src, "100"))
		}
		ch.Close()
		if err := wait(); err != nil {
			t.Fatalf("Run = %v", err)
		}
		st := s.Stats()
		want := Stats{EventsStored: 3, EventsLost: 3, Batches: 1, FailedBatches: 1, WriteRetries: writeAttempts - 1}
		if st.FileBytes <= 0 {
			t.Errorf("FileBytes = %d, want the database's size", st.FileBytes)
		}
		st.LastBatchDuration, st.WriteTime, st.FileBytes = 0, 0, 0
		if st != want {
			t.Errorf("Stats = %+v, want %+v", st, want)
		}
		if n := count(t, s); n != 3 {
			t.Errorf("stored %d events, want 3", n)
		}
	})

	t.Run("transient failure loses nothing", func(t *testing.T) {
		s := openTest(t, "", Config{BatchSize: 3, FlushInterval: time.Hour})
		s.retryBackoff = 50 * time.Millisecond
		setReadOnly(t, s, true)
		ch := event.NewQueue(10)
		wait := startRun(t.Context(), s, ch)
		for range 3 {
			ch.Put(probe(time.Now(), src, "100"))
		}
		if _, ok := waitFor(t, 5*time.Second, func() bool { return s.Stats().WriteRetries >= 1 }); !ok {
			t.Fatalf("no retry: %+v", s.Stats())
		}
		setReadOnly(t, s, false)
		ch.Close()
		if err := wait(); err != nil {
			t.Fatalf("Run = %v", err)
		}
		if st := s.Stats(); st.EventsStored != 3 || st.EventsLost != 0 || st.FailedBatches != 0 {
			t.Errorf("Stats = %+v, want 3 stored, none lost", st)
		}
	})

	t.Run("cancel during backoff", func(t *testing.T) {
		s := openTest(t, "", Config{BatchSize: 2, FlushInterval: time.Hour})
		s.retryBackoff = time.Hour
		setReadOnly(t, s, true)
		ch := event.NewQueue(10)
		ctx, cancel := context.WithCancel(t.Context())
		wait := startRun(ctx, s, ch)
		ch.Put(probe(time.Now(), src, "100"))
		ch.Put(probe(time.Now(), src, "100"))
		if _, ok := waitFor(t, 5*time.Second, func() bool { return s.Stats().WriteRetries == 1 }); !ok {
			t.Fatalf("no retry: %+v", s.Stats())
		}
		cancel()
		if err := wait(); !errors.Is(err, context.Canceled) {
			t.Errorf("Run = %v, want context.Canceled", err)
		}
		if st := s.Stats(); st.EventsLost != 2 {
			t.Errorf("Stats = %+v, want 2 lost", st)
		}
	})
}

func TestRunBlocks(t *testing.T) {
	t.Run("a batch splits into blocks in one transaction", func(t *testing.T) {
		s := openTest(t, "", Config{BatchSize: 100, FlushInterval: time.Hour})
		s.limits.blockBytes = 5 * maxRecordBytes(probe(time.Now(), src, "100"))
		base := time.Now()
		var evs []*event.Event
		for i := range 23 {
			src := netip.AddrPortFrom(netip.AddrFrom4([4]byte{192, 0, 2, byte(i % 3)}), 5060)
			evs = append(evs, probe(base.Add(time.Duration(i)), src, fmt.Sprint(i%4)))
		}
		write(t, s, evs...)
		b, ips, numbers := tableRows(t, s)
		// A block of n consecutive events has min(n, 3) IPs and min(n, 4)
		// numbers.
		rows, err := s.rdb.QueryContext(t.Context(), "SELECT events FROM blocks")
		if err != nil {
			t.Fatal(err)
		}
		var wantIPs, wantNumbers int64
		for rows.Next() {
			var n int64
			if err := rows.Scan(&n); err != nil {
				t.Fatal(err)
			}
			wantIPs += min(n, 3)
			wantNumbers += min(n, 4)
		}
		rows.Close()
		if b < 4 || ips != wantIPs || numbers != wantNumbers {
			t.Errorf("%d blocks, %d IP rows, %d number rows; want 4 or more, %d, %d", b, ips, numbers, wantIPs, wantNumbers)
		}
		if st := s.Stats(); st.Batches != 1 || st.EventsStored != 23 {
			t.Errorf("Stats = %+v, want 1 batch of 23", st)
		}
		got, err := s.Events(t.Context(), Query{SourceIP: netip.MustParseAddr("192.0.2.1"), CalledNumber: "1"})
		if err != nil {
			t.Fatal(err)
		}
		// i%3 == 1 and i%4 == 1: i = 1, 13
		if len(got) != 2 || !got[0].Time.Equal(evs[13].Time) || !got[1].Time.Equal(evs[1].Time) {
			t.Errorf("Events by IP and number = %d events, want events 13 and 1", len(got))
		}
	})

	t.Run("an event too large to store is lost and counted", func(t *testing.T) {
		s := openTest(t, "", Config{})
		s.limits.maxBytes = 4096
		big := probe(time.Now(), src, "100")
		big.Raw = strings.Repeat("x", 5000)
		write(t, s, probe(time.Now(), src, "100"), big)
		if st := s.Stats(); st.EventsStored != 1 || st.EventsLost != 1 || st.Batches != 1 {
			t.Errorf("Stats = %+v, want 1 stored, 1 lost", st)
		}
		if n := count(t, s); n != 1 {
			t.Errorf("Count = %d, want 1", n)
		}
	})
}
