package webhook

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/sentrypeer/sentrypeer/internal/event"
	"github.com/sentrypeer/sentrypeer/internal/logsink"
)

// testEvent is a probe whose called number is seq, so that tests can tell
// events apart in what the receiver got.
func testEvent(seq int) *event.Event {
	return &event.Event{
		Time:         time.Date(2024, 5, 6, 7, 8, 9, 123456789, time.UTC),
		ID:           event.NewUUID(),
		Collected:    event.Passive,
		Transport:    event.UDP,
		Source:       netip.MustParseAddrPort("203.0.113.5:5060"),
		Destination:  netip.MustParseAddrPort("192.0.2.10:5060"),
		Method:       "OPTIONS",
		CalledNumber: fmt.Sprint(seq),
		UserAgent:    "friendly-scanner",
		Raw:          "OPTIONS sip:100@192.0.2.10 SIP/2.0\r\n\r\n",
	}
}

// original is the body of one event as a receiver decodes it.
type original = logsink.Original

// receiver is a webhook receiver: answer decides each request's status
// (nil: 200); what it accepted with 2xx is kept in order.
type receiver struct {
	t      testing.TB
	srv    *httptest.Server
	mu     sync.Mutex
	answer func(r *http.Request, body []byte) int
	// retryAfter is the Retry-After of 429 and 503 answers.
	retryAfter string
	posts      [][]byte // bodies answered 2xx
	got        []original
	reqs       int
}

func newReceiver(t testing.TB, answer func(r *http.Request, body []byte) int) *receiver {
	rx := &receiver{t: t, answer: answer}
	rx.srv = httptest.NewServer(http.HandlerFunc(rx.serve))
	t.Cleanup(rx.srv.Close)
	return rx
}

func (rx *receiver) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	rx.mu.Lock()
	rx.reqs++
	answer := rx.answer
	rx.mu.Unlock()
	status := http.StatusOK
	if answer != nil {
		status = answer(r, body)
	}
	if status/100 == 2 {
		var evs []original
		if len(body) > 0 && body[0] == '[' {
			if err := json.Unmarshal(body, &evs); err != nil {
				rx.t.Errorf("body is not a JSON array: %v: %q", err, body)
			}
		} else {
			var o original
			dec := json.NewDecoder(bytes.NewReader(body))
			dec.DisallowUnknownFields()
			if err := dec.Decode(&o); err != nil {
				rx.t.Errorf("body is not one original object: %v: %q", err, body)
			}
			evs = []original{o}
		}
		rx.mu.Lock()
		rx.posts = append(rx.posts, body)
		rx.got = append(rx.got, evs...)
		rx.mu.Unlock()
	}
	if status == http.StatusTooManyRequests || status == http.StatusServiceUnavailable {
		w.Header().Set("Retry-After", rx.retryAfter)
	}
	w.WriteHeader(status)
}

func (rx *receiver) setAnswer(f func(r *http.Request, body []byte) int) {
	rx.mu.Lock()
	rx.answer = f
	rx.mu.Unlock()
}

func (rx *receiver) received() []original {
	rx.mu.Lock()
	defer rx.mu.Unlock()
	return append([]original(nil), rx.got...)
}

func (rx *receiver) requests() int {
	rx.mu.Lock()
	defer rx.mu.Unlock()
	return rx.reqs
}

var testInfo = logsink.AppInfo{Name: "sentrypeer", Version: "4.0.0-test"}

// testConfig posts to url with short backoffs.
func testConfig(url string) Config {
	return Config{URL: url, Info: testInfo, MinBackoff: 5 * time.Millisecond, MaxBackoff: 50 * time.Millisecond, Timeout: 5 * time.Second}
}

func testLogger(t testing.TB) *slog.Logger {
	return slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// running is a Webhook whose Run is running on its own queue.
type running struct {
	*Webhook
	events *event.Queue
	cancel context.CancelFunc
	done   chan error
}

// start opens the outbox at path (a new one when "") and runs the sink.
func start(t testing.TB, path string, cfg Config) *running {
	t.Helper()
	if path == "" {
		path = filepath.Join(t.TempDir(), "webhook.db")
	}
	w, err := Open(context.Background(), path, cfg, testLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	r := &running{Webhook: w, events: event.NewQueue(4096), cancel: cancel, done: make(chan error, 1)}
	go func() { r.done <- w.Run(ctx, r.events) }()
	t.Cleanup(func() { r.stop(t) })
	return r
}

// send queues e for Run.
func (r *running) send(t testing.TB, e *event.Event) {
	t.Helper()
	if r.events.Put(e) != 1 {
		t.Fatal("the sink's queue is full")
	}
}

// stop cancels Run, waits for it and closes the outbox; idempotent.
func (r *running) stop(t testing.TB) {
	t.Helper()
	if r.done == nil {
		return
	}
	r.cancel()
	select {
	case err := <-r.done:
		if err != nil {
			t.Errorf("Run: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return")
	}
	r.done = nil
	if err := r.Close(); err != nil {
		t.Error(err)
	}
}

// waitFor polls cond until it holds or ten seconds pass.
func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// numbers is the called numbers of evs, in order.
func numbers(evs []original) []string {
	out := make([]string, len(evs))
	for i, e := range evs {
		out[i] = e.CalledNumber
	}
	return out
}

func seq(first, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprint(first + i)
	}
	return out
}
