package webhook

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/sentrypeer/sentrypeer/internal/event"
)

// BenchmarkDeliver measures the whole path: events through the sink's
// queue into the outbox on disk, posted to a local receiver and deleted.
// At most a few batches wait undelivered at any time; events/s counts
// until the last event was answered 2xx.
func BenchmarkDeliver(b *testing.B) {
	for _, bc := range []struct {
		name               string
		batch, concurrency int
	}{
		{"batch1", 1, 1},
		{"batch1-concurrency4", 1, 4},
		{"batch100", 100, 1},
	} {
		b.Run(bc.name, func(b *testing.B) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				io.Copy(io.Discard, r.Body)
			}))
			defer srv.Close()
			cfg := Config{URL: srv.URL, Info: testInfo, Batch: bc.batch, Concurrency: bc.concurrency, MaxQueue: 1 << 30}
			w, err := Open(context.Background(), filepath.Join(b.TempDir(), "webhook.db"), cfg, slog.New(slog.DiscardHandler))
			if err != nil {
				b.Fatal(err)
			}
			defer w.Close()
			events := event.NewQueue(4096)
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan error, 1)
			go func() { done <- w.Run(ctx, events) }()
			e := testEvent(1)
			b.ReportAllocs()
			start := time.Now()
			// At most window events wait undelivered, so that ns/op is the
			// delivery's cost and not the queue's.
			window := uint64(4*bc.batch*bc.concurrency + 256)
			var sent uint64
			for b.Loop() {
				if events.Put(e) != 1 {
					b.Fatal("the sink's queue is full")
				}
				for sent++; sent-w.delivered.Load() > window; {
					time.Sleep(50 * time.Microsecond)
				}
			}
			for w.Stats().Delivered < uint64(b.N) {
				time.Sleep(100 * time.Microsecond)
			}
			b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "events/s")
			cancel()
			<-done
		})
	}
}
