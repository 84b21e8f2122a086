package share

import (
	"context"
	"errors"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/sentrypeer/sentrypeer/internal/event"
	"github.com/sentrypeer/sentrypeer/internal/record"
)

// startRun runs a (built inside the synctest bubble) and returns its
// input and its result.
func startRun(ctx context.Context, a *Aggregator) (*event.Queue, <-chan error) {
	events := event.NewQueue(16)
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx, events) }()
	return events, done
}

func TestRunFlushesOnTicker(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		a := New(Config{Key: testKey(), AllowPrivate: true, Interval: 10 * time.Second})
		events, done := startRun(t.Context(), a)

		for range 3 {
			events.Put(probe("127.0.0.1", "100", time.Now()))
		}
		synctest.Wait()
		if got := drain(a); len(got) != 1 || got[0].Count != 1 {
			t.Fatalf("before the tick: %d records", len(got))
		}
		time.Sleep(10*time.Second + time.Millisecond)
		synctest.Wait()
		recs := drain(a)
		if len(recs) != 1 || recs[0].Count != 2 {
			t.Fatalf("after the tick: %+v", recs)
		}
		if err := record.Validate(recs[0], time.Now(), record.Limits{AllowPrivate: true}); err != nil {
			t.Error(err)
		}
		time.Sleep(20 * time.Second) // two idle ticks: forgotten
		synctest.Wait()
		if s := a.Stats(); s.Keys != 0 || s.Forgotten != 1 {
			t.Errorf("stats %+v", s)
		}
		events.Close()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	})
}

func TestRunFinalFlushOnClose(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		a := New(Config{Key: testKey(), AllowPrivate: true})
		events, done := startRun(t.Context(), a)
		for range 5 {
			events.Put(probe("127.0.0.1", "100", time.Now()))
		}
		events.Close()
		if err := <-done; err != nil {
			t.Fatalf("Run: %v", err)
		}
		var counts []uint32
		for r := range a.Out() { // ends: Run closed Out
			counts = append(counts, r.Count)
		}
		if len(counts) != 2 || counts[0] != 1 || counts[1] != 4 {
			t.Errorf("counts %v, want [1 4]", counts)
		}
		// After Run: Add and Flush neither panic nor send.
		a.Add(probe("127.0.0.2", "100", time.Now()))
		a.Flush()
	})
}

func TestRunFinalFlushDropsWhenFull(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		a := New(Config{Key: testKey(), AllowPrivate: true, OutBuffer: 1})
		events, done := startRun(t.Context(), a)
		events.Put(probe("127.0.0.1", "100", time.Now()))
		events.Put(probe("127.0.0.1", "100", time.Now()))
		events.Close()
		<-done
		if s := a.Stats(); s.Records != 1 || s.DroppedFull != 1 {
			t.Errorf("stats %+v", s)
		}
	})
}

func TestRunCancel(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx, cancel := context.WithCancel(t.Context())
		a := New(Config{Key: testKey(), AllowPrivate: true})
		events, done := startRun(ctx, a)
		events.Put(probe("127.0.0.1", "100", time.Now()))
		events.Put(probe("127.0.0.1", "100", time.Now()))
		synctest.Wait()
		cancel()
		if err := <-done; err != nil {
			t.Fatalf("Run: %v", err)
		}
		n := 0
		for range a.Out() {
			n++
		}
		if n != 1 {
			t.Errorf("%d records, want the first sighting only", n)
		}
		if err := a.Run(t.Context(), nil); !errors.Is(err, ErrRunning) {
			t.Errorf("second Run: %v, want ErrRunning", err)
		}
	})
}

// TestConcurrent is for the race detector: Add, Flush and Stats at once.
func TestConcurrent(t *testing.T) {
	a, _ := newTest(t, Config{AllowPrivate: true, OutBuffer: 1 << 16})
	var wg sync.WaitGroup
	for g := range 2 {
		wg.Go(func() {
			for i := range 2000 {
				a.Add(probe([]string{"127.0.0.1", "127.0.0.2"}[g], "10"+string(rune('0'+i%10)), t0))
			}
		})
	}
	wg.Go(func() {
		for range 50 {
			a.Flush()
			_ = a.Stats()
		}
	})
	wg.Wait()
	a.Flush()
	s := checkStats(t, a)
	var total uint64
	for _, r := range drain(a) {
		total += uint64(r.Count)
	}
	if total != 4000 || s.Events != 4000 {
		t.Errorf("records count %d sightings of %d events (stats %+v)", total, s.Events, s)
	}
}
