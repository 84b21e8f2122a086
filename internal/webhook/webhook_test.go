package webhook

import (
	"context"
	"encoding/json"
	"net/http"
	"path/filepath"
	"slices"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sentrypeer/sentrypeer/internal/event"
	"github.com/sentrypeer/sentrypeer/internal/logsink"
)

func TestDeliversInOrder(t *testing.T) {
	tests := []struct {
		name               string
		batch, concurrency int
		events             int
		strict             bool // order kept across batches
	}{
		{"one object per POST", 1, 1, 200, true},
		{"arrays of 10", 10, 1, 205, true},
		{"arrays of 100", 100, 1, 1000, true},
		{"four in flight", 1, 4, 200, false},
		{"arrays of 7, three in flight", 7, 3, 300, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var inFlight, most atomic.Int32
			rx := newReceiver(t, func(r *http.Request, body []byte) int {
				n := inFlight.Add(1)
				defer inFlight.Add(-1)
				for m := most.Load(); n > m && !most.CompareAndSwap(m, n); m = most.Load() {
				}
				time.Sleep(time.Millisecond)
				return http.StatusOK
			})
			cfg := testConfig(rx.srv.URL)
			cfg.Batch, cfg.Concurrency = tc.batch, tc.concurrency
			w := start(t, "", cfg)
			for i := range tc.events {
				w.send(t, testEvent(i))
			}
			waitFor(t, "every event", func() bool { return w.Stats().Delivered == uint64(tc.events) })
			got := numbers(rx.received())
			if !tc.strict {
				slices.SortFunc(got, func(a, b string) int { x, _ := strconv.Atoi(a); y, _ := strconv.Atoi(b); return x - y })
			}
			if !slices.Equal(got, seq(0, tc.events)) {
				t.Fatalf("received %v", got)
			}
			for _, p := range rx.posts {
				var arr []json.RawMessage
				switch {
				case tc.batch == 1 && p[0] != '{':
					t.Fatalf("batch 1 posted %q, want one object", p)
				case tc.batch > 1 && (json.Unmarshal(p, &arr) != nil || len(arr) > tc.batch):
					t.Fatalf("posted %d events in a batch of at most %d", len(arr), tc.batch)
				}
			}
			if m := int(most.Load()); m > tc.concurrency {
				t.Errorf("%d POSTs in flight, want at most %d", m, tc.concurrency)
			}
			// The receiver has every event before the deliverer deletes
			// the last rows, so wait for the queue to empty.
			for deadline := time.Now().Add(5 * time.Second); w.Stats().Queued != 0 && time.Now().Before(deadline); {
				time.Sleep(5 * time.Millisecond)
			}
			if s := w.Stats(); s.Queued != 0 || s.Enqueued != uint64(tc.events) || s.Retried != 0 {
				t.Errorf("Stats = %+v", s)
			}
		})
	}
}

func TestHeaders(t *testing.T) {
	const secret = "0123456789abcdef-secret"
	type seen struct{ ct, ua, ts, sig, auth string }
	got := make(chan seen, 1)
	var body []byte
	rx := newReceiver(t, func(r *http.Request, b []byte) int {
		body = b
		got <- seen{r.Header.Get("Content-Type"), r.Header.Get("User-Agent"), r.Header.Get(TimestampHeader), r.Header.Get(SignatureHeader), r.Header.Get("Authorization")}
		return http.StatusNoContent
	})
	cfg := testConfig(rx.srv.URL)
	cfg.Secret = secret
	w := start(t, "", cfg)
	w.send(t, testEvent(1))
	h := <-got
	if h.ct != "application/json" || h.ua != "SentryPeer/4.0.0-test" || h.auth != "" {
		t.Errorf("headers %+v", h)
	}
	ts, err := strconv.ParseInt(h.ts, 10, 64)
	if err != nil || time.Since(time.Unix(ts, 0)).Abs() > time.Minute {
		t.Errorf("timestamp %q is not Unix seconds of now", h.ts)
	}
	if !Verify(secret, h.ts, body, h.sig) {
		t.Errorf("signature %q does not verify", h.sig)
	}
	for _, bad := range []struct{ secret, ts, sig string }{
		{"another-secret-0123", h.ts, h.sig},
		{secret, strconv.FormatInt(ts-3600, 10), h.sig},
		{secret, h.ts, h.sig[len("sha256="):]},
	} {
		if Verify(bad.secret, bad.ts, body, bad.sig) {
			t.Errorf("Verify(%q, %q, body, %q) accepted", bad.secret, bad.ts, bad.sig)
		}
	}
}

func TestPrivacyDefaults(t *testing.T) {
	for _, tc := range []struct {
		name      string
		share     logsink.Share
		raw, dest string
	}{
		{"default keeps raw and destination local", logsink.Share{}, "", ""},
		{"raw shared", logsink.Share{Raw: true}, "OPTIONS sip:100@192.0.2.10 SIP/2.0\r\n\r\n", ""},
		{"destination shared", logsink.Share{Destination: true}, "", "192.0.2.10"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rx := newReceiver(t, nil)
			cfg := testConfig(rx.srv.URL)
			cfg.Share = tc.share
			w := start(t, "", cfg)
			w.send(t, testEvent(1))
			waitFor(t, "the event", func() bool { return w.Stats().Delivered == 1 })
			var keys map[string]any
			if err := json.Unmarshal(rx.posts[0], &keys); err != nil {
				t.Fatal(err)
			}
			if len(keys) != 13 {
				t.Errorf("%d keys, want the original's 13: %v", len(keys), keys)
			}
			if keys["sip_message"] != tc.raw || keys["destination_ip"] != tc.dest {
				t.Errorf("sip_message %q, destination_ip %q; want %q, %q", keys["sip_message"], keys["destination_ip"], tc.raw, tc.dest)
			}
		})
	}
}

func TestRetries(t *testing.T) {
	t.Run("Retry-After seconds on 503", func(t *testing.T) {
		var first atomic.Int64
		rx := newReceiver(t, func(r *http.Request, body []byte) int {
			if first.CompareAndSwap(0, time.Now().UnixNano()) {
				return http.StatusServiceUnavailable
			}
			return http.StatusOK
		})
		rx.retryAfter = "1"
		cfg := testConfig(rx.srv.URL)
		cfg.MaxBackoff = 5 * time.Second
		w := start(t, "", cfg)
		w.send(t, testEvent(1))
		waitFor(t, "the retry", func() bool { return w.Stats().Delivered == 1 })
		if d := time.Since(time.Unix(0, first.Load())); d < 900*time.Millisecond {
			t.Errorf("retried after %v, want Retry-After's 1 s", d)
		}
		if s := w.Stats(); s.Retried != 1 || s.LastError != "HTTP 503" {
			t.Errorf("Stats = %+v", s)
		}
	})
	t.Run("errors and 5xx back off and keep order", func(t *testing.T) {
		var n atomic.Int32
		rx := newReceiver(t, func(r *http.Request, body []byte) int {
			if n.Add(1)%3 != 0 {
				return http.StatusBadGateway
			}
			return http.StatusOK
		})
		w := start(t, "", testConfig(rx.srv.URL))
		for i := range 20 {
			w.send(t, testEvent(i))
		}
		waitFor(t, "every event", func() bool { return w.Stats().Delivered == 20 })
		if got := numbers(rx.received()); !slices.Equal(got, seq(0, 20)) {
			t.Fatalf("received %v", got)
		}
		if s := w.Stats(); s.Retried != 40 {
			t.Errorf("Retried = %d, want 40", s.Retried)
		}
	})
	t.Run("with concurrency a retried batch does not hold up the rest", func(t *testing.T) {
		var fails atomic.Int32
		rx := newReceiver(t, func(r *http.Request, body []byte) int {
			var o original
			json.Unmarshal(body, &o)
			if o.CalledNumber == "0" && fails.Add(1) == 1 {
				return http.StatusServiceUnavailable // Retry-After: 1
			}
			return http.StatusOK
		})
		rx.retryAfter = "1"
		cfg := testConfig(rx.srv.URL)
		cfg.Concurrency, cfg.MaxBackoff = 2, 2*time.Second
		w := start(t, "", cfg)
		for i := range 10 {
			w.send(t, testEvent(i))
		}
		waitFor(t, "every event", func() bool { return w.Stats().Delivered == 10 })
		got := numbers(rx.received())
		if got[len(got)-1] != "0" {
			t.Errorf("received %v; want 0 last, after its retries", got)
		}
	})
	t.Run("refused events are dropped after RefusedAttempts", func(t *testing.T) {
		rx := newReceiver(t, func(r *http.Request, body []byte) int {
			var o original
			json.Unmarshal(body, &o)
			if o.CalledNumber == "3" {
				return http.StatusUnprocessableEntity
			}
			return http.StatusOK
		})
		w := start(t, "", testConfig(rx.srv.URL))
		for i := range 6 {
			w.send(t, testEvent(i))
		}
		waitFor(t, "the rest", func() bool { return w.Stats().Delivered == 5 })
		if got := numbers(rx.received()); !slices.Equal(got, []string{"0", "1", "2", "4", "5"}) {
			t.Fatalf("received %v", got)
		}
		if s := w.Stats(); s.DroppedRefused != 1 || s.Retried != defaultRefusedAttempts-1 || s.Queued != 0 {
			t.Errorf("Stats = %+v", s)
		}
	})
}

func TestRetryAfterParse(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	for _, tc := range []struct {
		h    string
		want time.Duration
		ok   bool
	}{
		{"", 0, false},
		{"7", 7 * time.Second, true},
		{" 0 ", 0, true},
		{"-1", 0, false},
		{"soon", 0, false},
		{now.Add(90 * time.Second).Format(http.TimeFormat), 90 * time.Second, true},
		{now.Add(-time.Hour).Format(http.TimeFormat), 0, true},
	} {
		if got, ok := retryAfter(tc.h, now); got != tc.want || ok != tc.ok {
			t.Errorf("retryAfter(%q) = %v, %v; want %v, %v", tc.h, got, ok, tc.want, tc.ok)
		}
	}
}

func TestBackoff(t *testing.T) {
	lo, hi := 100*time.Millisecond, 5*time.Second
	for n, ceil := range []time.Duration{100, 200, 400, 800, 1600, 3200, 5000, 5000} {
		ceil *= time.Millisecond
		var top time.Duration
		for range 2000 {
			d := backoff(n, lo, hi)
			if d < time.Millisecond || d > ceil {
				t.Fatalf("backoff(%d) = %v, want up to %v", n, d, ceil)
			}
			top = max(top, d)
		}
		if top < ceil*3/4 {
			t.Errorf("backoff(%d) never above %v of a ceiling of %v: not full jitter", n, top, ceil)
		}
	}
	if d := backoff(200, lo, hi); d > hi {
		t.Errorf("backoff(200) = %v, above the cap", d)
	}
}

func TestMaxQueueDropsOldest(t *testing.T) {
	rx := newReceiver(t, nil)
	path := filepath.Join(t.TempDir(), "webhook.db")
	cfg := testConfig(rx.srv.URL)
	cfg.MaxQueue = 10
	w, err := Open(context.Background(), path, cfg, testLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	// Queued before Run: the sink appends all 50 in one transaction,
	// which trims to the newest 10 before the deliverer sees any.
	events := event.NewQueue(64)
	for i := range 50 {
		events.Put(testEvent(i))
	}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error)
	go func() { done <- w.Run(ctx, events) }()
	waitFor(t, "the newest 10", func() bool { return w.Stats().Delivered == 10 })
	cancel()
	<-done
	if got := numbers(rx.received()); !slices.Equal(got, seq(40, 10)) {
		t.Fatalf("received %v", got)
	}
	if s := w.Stats(); s.DroppedFull != 40 || s.Queued != 0 {
		t.Errorf("Stats = %+v", s)
	}
}

func TestRestartResumes(t *testing.T) {
	var down atomic.Bool
	down.Store(true)
	rx := newReceiver(t, func(r *http.Request, body []byte) int {
		if down.Load() {
			return http.StatusServiceUnavailable
		}
		return http.StatusOK
	})
	path := filepath.Join(t.TempDir(), "webhook.db")
	w := start(t, path, testConfig(rx.srv.URL))
	for i := range 30 {
		w.send(t, testEvent(i))
	}
	waitFor(t, "30 queued", func() bool { return w.Stats().Enqueued == 30 && rx.requests() > 2 })
	w.stop(t)
	down.Store(false)
	w = start(t, path, testConfig(rx.srv.URL))
	if s := w.Stats(); s.Queued == 0 {
		t.Fatalf("reopened outbox is empty: %+v", s)
	}
	w.send(t, testEvent(30))
	waitFor(t, "every event", func() bool { return len(rx.received()) == 31 })
	if got := numbers(rx.received()); !slices.Equal(got, seq(0, 31)) {
		t.Fatalf("received %v", got)
	}
}

func TestOutboxIsOnlyForTheWebhook(t *testing.T) {
	if _, err := Open(context.Background(), filepath.Join(t.TempDir(), "x.db"), Config{}, testLogger(t)); err == nil {
		t.Fatal("Open without a URL succeeded")
	}
}
