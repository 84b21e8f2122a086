package apiclient

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

func TestRetry(t *testing.T) {
	tests := []struct {
		name     string
		policy   RetryPolicy
		call     func(*Client, context.Context) error
		statuses []int // replies, in order; the last repeats
		header   string
		want     int // requests sent
		wantErr  bool
	}{
		{name: "503 then 200", call: getPeers, statuses: []int{503, 200}, want: 2},
		{name: "429 twice then 200", call: getPeers, statuses: []int{429, 429, 200}, want: 3},
		{name: "gives up after MaxAttempts", call: getPeers, statuses: []int{503}, want: 3, wantErr: true},
		{name: "MaxAttempts 1", policy: RetryPolicy{MaxAttempts: 1}, call: getPeers, statuses: []int{503}, want: 1, wantErr: true},
		{name: "500 is not retried", call: getPeers, statuses: []int{500}, want: 1, wantErr: true},
		{name: "Statuses replaces the default", policy: RetryPolicy{Statuses: []int{429}}, call: getPeers, statuses: []int{503}, want: 1, wantErr: true},
		{name: "a short Retry-After is honoured", call: getPeers, statuses: []int{503, 200}, header: "0", want: 2},
		{name: "a Retry-After over MaxBackoff ends the retries", policy: RetryPolicy{MaxBackoff: time.Second}, call: getPeers, statuses: []int{503, 200}, header: "120", want: 1, wantErr: true},
		{name: "DELETE is retried", call: unblock, statuses: []int{503, 200}, want: 2},
		{name: "a block is not retried on 503", call: block, statuses: []int{503, 201}, want: 1, wantErr: true},
		{name: "a block is retried on 429", call: block, statuses: []int{429, 201}, want: 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var n atomic.Int32
			var rec recorder
			tt.policy.MinBackoff = time.Millisecond
			c := rec.serveConfig(t, Config{Retry: tt.policy}, func(w http.ResponseWriter, r *http.Request) {
				i := int(n.Add(1)) - 1
				s := tt.statuses[min(i, len(tt.statuses)-1)]
				if tt.header != "" && s != 200 && s != 201 {
					w.Header().Set("Retry-After", tt.header)
				}
				reply(w, s, map[string]any{"value": "192.0.2.1", "error": "status " + strconv.Itoa(s)})
			})
			err := tt.call(c, t.Context())
			if (err != nil) != tt.wantErr {
				t.Errorf("err %v, want an error: %v", err, tt.wantErr)
			}
			if got := len(rec.uris()); got != tt.want {
				t.Errorf("%d requests %q, want %d", got, rec.uris(), tt.want)
			}
		})
	}
}

func getPeers(c *Client, ctx context.Context) error { _, err := c.Peers(ctx); return err }
func unblock(c *Client, ctx context.Context) error  { _, err := c.Unblock(ctx, "192.0.2.1"); return err }
func block(c *Client, ctx context.Context) error {
	_, err := c.Block(ctx, Block{Value: "192.0.2.1"})
	return err
}

func TestRetryWaitEndsWithTheContext(t *testing.T) {
	var rec recorder
	c := rec.serveConfig(t, Config{Retry: RetryPolicy{MinBackoff: time.Hour, MaxBackoff: time.Hour}}, func(w http.ResponseWriter, r *http.Request) {
		reply(w, 503, map[string]string{"error": "busy"})
	})
	ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := c.Stats(ctx, 0)
	if !errors.Is(err, context.DeadlineExceeded) || statusOf(err) != 503 {
		t.Errorf("err %v, want the context's and the 503", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("waited %v", d)
	}
}

func TestBackoff(t *testing.T) {
	p := RetryPolicy{MinBackoff: 100 * time.Millisecond, MaxBackoff: time.Second}.withDefaults()
	for n, want := range map[int]time.Duration{1: 100 * time.Millisecond, 2: 200 * time.Millisecond, 3: 400 * time.Millisecond, 4: 800 * time.Millisecond, 5: time.Second, 30: time.Second} {
		for range 20 {
			if d := p.backoff(n); d < want/2 || d > want {
				t.Errorf("backoff(%d) = %v, want %v..%v", n, d, want/2, want)
			}
		}
	}
}

func TestRetryAfter(t *testing.T) {
	now := time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		in   string
		want time.Duration
	}{
		{"", 0},
		{"3", 3 * time.Second},
		{"-1", 0},
		{"soon", 0},
		{now.Add(90 * time.Second).Format(http.TimeFormat), 90 * time.Second},
		{now.Add(-time.Hour).Format(http.TimeFormat), 0},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := retryAfter(tt.in, now); got != tt.want {
				t.Errorf("retryAfter(%q) = %v, want %v", tt.in, got, tt.want)
			}
		})
	}
}

func TestRetryWhichErrors(t *testing.T) {
	p := RetryPolicy{}.withDefaults()
	get := &request{method: http.MethodGet}
	post := &request{method: http.MethodPost}
	token := &request{method: http.MethodPost, safe: true}
	dial := &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}
	reset := &net.OpError{Op: "read", Net: "tcp", Err: syscall.ECONNRESET}
	tests := []struct {
		name string
		rq   *request
		err  error
		n    int
		want bool
	}{
		{"GET, refused", get, dial, 1, true},
		{"GET, reset", get, reset, 1, true},
		{"GET, the last attempt", get, reset, 3, false},
		{"GET, a timeout", get, &timeoutError{d: time.Second, what: "complete reply"}, 1, false},
		{"GET, cancelled", get, context.Canceled, 1, false},
		{"POST, refused", post, fmt.Errorf("POST u: %w", dial), 1, true},
		{"POST, reset", post, reset, 1, false},
		{"POST, 503", post, &APIError{StatusCode: 503}, 1, false},
		{"POST, 429", post, &APIError{StatusCode: 429}, 1, true},
		{"token POST, 503", token, &APIError{StatusCode: 503}, 1, true},
		{"token POST, reset", token, reset, 1, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, got := p.wait(tt.n, tt.rq, tt.err); got != tt.want {
				t.Errorf("retried %v, want %v", got, tt.want)
			}
		})
	}
}
