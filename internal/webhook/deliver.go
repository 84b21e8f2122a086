package webhook

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"time"
)

// pollInterval is how often the deliverer looks at the outbox when it
// was not woken: a safety net, the sink wakes it.
const pollInterval = time.Second

// failLogInterval is how often a failing receiver is logged again.
const failLogInterval = 30 * time.Second

// deliver posts the outbox in order until ctx is cancelled, with up to
// Concurrency batches in flight. A batch is taken only when a slot is
// free, so with one slot each batch waits for the one before it.
func (w *Webhook) deliver(ctx context.Context) {
	slots := make(chan struct{}, w.cfg.Concurrency)
	var wg sync.WaitGroup
	defer wg.Wait()
	poll := time.NewTimer(pollInterval)
	defer poll.Stop()
	var cursor int64 // the newest row taken; rows after it are free
	for {
		select {
		case slots <- struct{}{}:
		case <-ctx.Done():
			return
		}
		rows, err := w.box.next(ctx, cursor, w.cfg.Batch)
		if len(rows) > 0 {
			cursor = rows[len(rows)-1].id
			wg.Go(func() {
				defer func() { <-slots }()
				w.post(ctx, rows)
			})
			continue
		}
		<-slots
		if err != nil && ctx.Err() == nil {
			w.fail(err.Error(), 0)
		}
		poll.Reset(pollInterval)
		select {
		case <-w.wake:
		case <-poll.C:
		case <-ctx.Done():
			return
		}
	}
}

// post sends rows as one batch until the receiver takes it, refuses it
// RefusedAttempts times, or ctx is cancelled (the rows then stay queued).
func (w *Webhook) post(ctx context.Context, rows []row) {
	body := batchBody(rows, w.cfg.Batch > 1)
	lo, hi := rows[0].id, rows[len(rows)-1].id
	// refusals counts 4xx answers; backoffs, the waits that were not the
	// receiver's Retry-After: they alone grow the next wait.
	refusals, backoffs := 0, 0
	for attempt := 0; ; attempt++ {
		status, wait, err := w.send(ctx, body)
		if ctx.Err() != nil {
			return
		}
		switch {
		case err == nil && status/100 == 2:
			w.delivered.Add(uint64(len(rows)))
			w.succeed()
			w.remove(ctx, lo, hi)
			return
		case err == nil && refused(status):
			if refusals++; refusals >= w.cfg.RefusedAttempts {
				w.droppedRefused.Add(uint64(len(rows)))
				msg := fmt.Sprintf("receiver refused the events: HTTP %d", status)
				w.noteError(msg)
				w.logger.Error("webhook receiver refused events; dropped", "status", status, "events", len(rows),
					"attempts", attempt+1, "dropped_refused_total", w.droppedRefused.Load())
				w.remove(ctx, lo, hi)
				return
			}
		}
		if err == nil {
			err = fmt.Errorf("HTTP %d", status)
		}
		w.retried.Add(1)
		if wait <= 0 {
			wait = backoff(backoffs, w.cfg.MinBackoff, w.cfg.MaxBackoff)
			backoffs++
		}
		wait = min(wait, w.cfg.MaxBackoff)
		w.fail(err.Error(), wait)
		t := time.NewTimer(wait)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return
		}
	}
}

func (w *Webhook) remove(ctx context.Context, lo, hi int64) {
	if err := w.box.remove(context.WithoutCancel(ctx), lo, hi); err != nil {
		// The rows will be sent again after a restart: at least once.
		w.noteError(err.Error())
		w.logger.Error("deleting delivered webhook events failed", "err", err)
	}
}

// batchBody is the one object of a single row, or with array a JSON array
// of the rows' objects.
func batchBody(rows []row, array bool) []byte {
	if !array {
		return rows[0].body
	}
	n := 2 + len(rows)
	for _, r := range rows {
		n += len(r.body)
	}
	b := make([]byte, 0, n)
	b = append(b, '[')
	for i, r := range rows {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, r.body...)
	}
	return append(b, ']')
}

// send POSTs body once, renewing the token once on a 401. wait is the
// receiver's Retry-After on 429 and 503, else 0.
func (w *Webhook) send(ctx context.Context, body []byte) (status int, wait time.Duration, err error) {
	for try := 0; ; try++ {
		auth := ""
		if w.tokens != nil {
			if auth, err = w.tokens.Header(ctx); err != nil {
				return 0, 0, err
			}
		}
		status, wait, err = w.sendOnce(ctx, body, auth)
		if err != nil || status != http.StatusUnauthorized || w.tokens == nil || try > 0 {
			return status, wait, err
		}
		w.tokens.Invalidate(auth)
	}
}

func (w *Webhook) sendOnce(ctx context.Context, body []byte, auth string) (int, time.Duration, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.cfg.URL, bytes.NewReader(body))
	if err != nil {
		return 0, 0, fmt.Errorf("webhook: request: %w", err)
	}
	h := req.Header
	h.Set("Content-Type", "application/json")
	h.Set("User-Agent", "SentryPeer/"+w.cfg.Info.Version)
	if auth != "" {
		h.Set("Authorization", auth)
	}
	if w.cfg.Secret != "" {
		ts := strconv.FormatInt(w.cfg.Now().Unix(), 10)
		h.Set(TimestampHeader, ts)
		h.Set(SignatureHeader, Sign(w.cfg.Secret, ts, body))
	}
	resp, err := w.cfg.Client.Do(req)
	if err != nil {
		if ue := (*url.Error)(nil); errors.As(err, &ue) {
			err = ue.Err // without the URL, which may hold a secret
		}
		return 0, 0, fmt.Errorf("posting: %w", err)
	}
	// Read a little so that the connection can be reused.
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	var wait time.Duration
	if resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable {
		wait, _ = retryAfter(resp.Header.Get("Retry-After"), w.cfg.Now())
	}
	return resp.StatusCode, wait, nil
}

// succeed notes a delivery, and logs it when it ends a failure.
func (w *Webhook) succeed() {
	w.mu.Lock()
	w.lastSuccess = w.cfg.Now()
	was := w.failing
	w.failing = false
	w.mu.Unlock()
	if was {
		w.logger.Info("webhook delivering again", "receiver", w.Host(), "retried_total", w.retried.Load(), "queued", w.box.len())
	}
}

// fail notes a failed attempt and logs the first of a series, then at most
// every failLogInterval.
func (w *Webhook) fail(msg string, wait time.Duration) {
	now := w.cfg.Now()
	w.mu.Lock()
	w.lastError, w.lastErrorAt = msg, now
	logIt := !w.failing || now.Sub(w.failLogged) >= failLogInterval
	w.failing = true
	if logIt {
		w.failLogged = now
	}
	w.mu.Unlock()
	if logIt {
		w.logger.Warn("webhook delivery failed; retrying", "receiver", w.Host(), "err", msg, "retry_in", wait.Round(time.Millisecond),
			"queued", w.box.len(), "retried_total", w.retried.Load())
	}
}
