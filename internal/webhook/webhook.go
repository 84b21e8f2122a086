package webhook

import (
	"context"
	"errors"
	"log/slog"
	"net/url"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sentrypeer/sentrypeer/internal/event"
	"github.com/sentrypeer/sentrypeer/internal/logsink"
)

const (
	// maxAppend is how many queued events go into one outbox transaction.
	maxAppend = 1024
	// keepBuf caps the encoding buffer kept between transactions.
	keepBuf = 1 << 20
)

// Webhook is the webhook sink: [Webhook.Run] queues events on disk and
// posts them. Make one with [Open].
type Webhook struct {
	cfg    Config
	box    *outbox
	tokens *TokenSource // nil without OAuth2
	logger *slog.Logger
	wake   chan struct{} // a new row is queued; capacity 1

	enqueued       atomic.Uint64
	delivered      atomic.Uint64
	retried        atomic.Uint64
	droppedFull    atomic.Uint64
	droppedRefused atomic.Uint64
	lost           atomic.Uint64

	mu          sync.Mutex
	lastSuccess time.Time
	lastError   string
	lastErrorAt time.Time
	failing     bool      // the last attempt failed
	failLogged  time.Time // when a failure was last logged
	fullLogged  time.Time // when drops for a full queue were last logged
	lostLogged  time.Time // when outbox write errors were last logged
}

var _ event.Sink = (*Webhook)(nil)

// Open opens (creating it if missing) the outbox at path for cfg. What an
// earlier run queued and did not deliver is posted first. It starts no
// goroutine.
func Open(ctx context.Context, path string, cfg Config, logger *slog.Logger) (*Webhook, error) {
	if _, err := url.Parse(cfg.URL); err != nil || cfg.URL == "" {
		return nil, errors.New("webhook: want an http:// or https:// URL")
	}
	cfg.setDefaults()
	box, err := openOutbox(ctx, path, cfg.MaxQueue)
	if err != nil {
		return nil, err
	}
	w := &Webhook{cfg: cfg, box: box, logger: logger.With("component", "webhook"), wake: make(chan struct{}, 1)}
	if cfg.OAuth2 != nil {
		w.tokens = NewTokenSource(*cfg.OAuth2, cfg.Client, cfg.Now)
	}
	return w, nil
}

// Host is the receiver's scheme and host, for logs: the path and query of a
// webhook URL may hold a secret.
func (w *Webhook) Host() string {
	u, err := url.Parse(w.cfg.URL)
	if err != nil {
		return ""
	}
	return u.Scheme + "://" + u.Host
}

// Run queues events until the queue is closed and empty (then it queues
// what is left and returns nil) or ctx is cancelled (it returns nil at
// once), posting queued events meanwhile. POSTs in flight when it returns
// are cancelled; their events stay queued, for the next Run.
func (w *Webhook) Run(ctx context.Context, events *event.Queue) error {
	w.logger.Info("webhook on", "receiver", w.Host(), "queued", w.box.len(), "batch", w.cfg.Batch,
		"concurrency", w.cfg.Concurrency, "signed", w.cfg.Secret != "", "oauth2", w.tokens != nil,
		"share_raw", w.cfg.Share.Raw, "share_destination", w.cfg.Share.Destination)
	dctx, stop := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Go(func() { w.deliver(dctx) })
	defer func() {
		stop()
		wg.Wait()
		s := w.Stats()
		w.logger.Info("webhook totals", "queued", s.Queued, "enqueued", s.Enqueued, "delivered", s.Delivered,
			"retried", s.Retried, "dropped_full", s.DroppedFull, "dropped_refused", s.DroppedRefused, "lost", s.Lost)
	}()
	var buf []byte
	bodies := make([][]byte, 0, maxAppend)
	return event.ConsumeBatches(ctx, events, maxAppend, func(es []*event.Event) {
		buf, bodies = w.queue(ctx, es, buf[:0], bodies[:0])
		if cap(buf) > keepBuf {
			buf = nil // one burst of raw messages must not pin megabytes
		}
	})
}

// queue encodes es and appends them to the outbox in one transaction.
func (w *Webhook) queue(ctx context.Context, es []*event.Event, buf []byte, bodies [][]byte) ([]byte, [][]byte) {
	for _, e := range es {
		if e == nil {
			continue
		}
		start := len(buf)
		buf = logsink.AppendOriginal(buf, e, &w.cfg.Info, w.cfg.Share)
		// When buf grows, earlier bodies keep the old array: still right.
		bodies = append(bodies, buf[start:len(buf):len(buf)])
	}
	if len(bodies) == 0 {
		return buf, bodies
	}
	dropped, err := w.box.append(context.WithoutCancel(ctx), bodies)
	if err != nil {
		w.lost.Add(uint64(len(bodies)))
		w.noteError(err.Error())
		if w.every(&w.lostLogged, 10*time.Second) {
			w.logger.Error("queueing events for the webhook failed; events lost", "err", err, "lost_total", w.lost.Load())
		}
		return buf, bodies
	}
	w.enqueued.Add(uint64(len(bodies)))
	if dropped > 0 {
		w.droppedFull.Add(uint64(dropped))
		if w.every(&w.fullLogged, 10*time.Second) {
			w.logger.Warn("webhook queue full: oldest events dropped", "max_queue", w.cfg.MaxQueue, "dropped_total", w.droppedFull.Load())
		}
	}
	select {
	case w.wake <- struct{}{}:
	default:
	}
	return buf, bodies
}

// every reports whether at least d has passed since *last, and if so sets
// it to now: a limit on how often one kind of line is logged.
func (w *Webhook) every(last *time.Time, d time.Duration) bool {
	now := w.cfg.Now()
	w.mu.Lock()
	defer w.mu.Unlock()
	if now.Sub(*last) < d {
		return false
	}
	*last = now
	return true
}

// Close closes the outbox. Call it after Run has returned. It is
// idempotent.
func (w *Webhook) Close() error { return w.box.close() }
