package apiclient

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"slices"
	"strconv"
	"time"
)

// RetryPolicy says when a failed request is sent again, and how long to
// wait first. The zero RetryPolicy is the default.
//
// A GET or DELETE (both idempotent) is retried on a status of Statuses and
// on transport errors. A POST (block) is retried only when it certainly did
// nothing: on 429 and when the connection could not be made. A request
// that ran out of [Config].Timeout is not retried: a slow server is not
// helped by more load.
type RetryPolicy struct {
	// MaxAttempts is how many times a request is sent at most, the first
	// time included (default 3; 1 sends each request once).
	MaxAttempts int
	// MinBackoff is the wait before the first retry, doubled for each
	// later one, with jitter (default 250ms).
	MinBackoff time.Duration
	// MaxBackoff caps a wait (default 5s). A Retry-After from the server
	// is honoured up to it; a longer one ends the retries.
	MaxBackoff time.Duration
	// Statuses are the reply statuses retried (default 429 and 503).
	Statuses []int
}

func (p RetryPolicy) withDefaults() RetryPolicy {
	if p.MaxAttempts <= 0 {
		p.MaxAttempts = 3
	}
	if p.MinBackoff <= 0 {
		p.MinBackoff = 250 * time.Millisecond
	}
	if p.MaxBackoff <= 0 {
		p.MaxBackoff = 5 * time.Second
	}
	if p.MaxBackoff < p.MinBackoff {
		p.MaxBackoff = p.MinBackoff
	}
	if p.Statuses == nil {
		p.Statuses = []int{http.StatusTooManyRequests, http.StatusServiceUnavailable}
	}
	return p
}

// backoff is the wait before retry n (1 for the first): MinBackoff doubled
// n-1 times, capped at MaxBackoff, of which the upper half is random.
func (p RetryPolicy) backoff(n int) time.Duration {
	d := p.MinBackoff
	for i := 1; i < n && d < p.MaxBackoff; i++ {
		d *= 2
	}
	d = min(d, p.MaxBackoff)
	half := d / 2
	return half + rand.N(half+1)
}

// wait returns how long to wait before sending rq again after attempt n
// failed with err, and false when it is not to be sent again.
func (p RetryPolicy) wait(n int, rq *request, err error) (time.Duration, bool) {
	if n >= p.MaxAttempts {
		return 0, false
	}
	if ae, ok := errors.AsType[*APIError](err); ok {
		retried := slices.Contains(p.Statuses, ae.StatusCode)
		if !rq.idempotent() {
			retried = ae.StatusCode == http.StatusTooManyRequests && retried
		}
		if !retried {
			return 0, false
		}
		if ae.RetryAfter > 0 {
			return ae.RetryAfter, ae.RetryAfter <= p.MaxBackoff
		}
		return p.backoff(n), true
	}
	if _, ok := errors.AsType[*timeoutError](err); ok || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return 0, false
	}
	if !rq.idempotent() && !dialFailed(err) {
		return 0, false
	}
	return p.backoff(n), true
}

// dialFailed reports whether err is a failure to connect, so that the
// request was never sent.
func dialFailed(err error) bool {
	oe, ok := errors.AsType[*net.OpError](err)
	return ok && oe.Op == "dial"
}

// retryAfter parses a Retry-After value: seconds, or an HTTP date. It
// returns 0 for none or an invalid one.
func retryAfter(v string, now time.Time) time.Duration {
	if v == "" {
		return 0
	}
	if s, err := strconv.Atoi(v); err == nil && s >= 0 {
		return time.Duration(s) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}

// do sends rq, retrying as the policy says and fetching a new token once
// when the API refuses the one it has. It returns a reply whose status is
// 2xx or one of rq.ok; the caller closes its body. Other replies are an
// *APIError; transport errors name the method and URL.
func (c *Client) do(ctx context.Context, rq *request) (*http.Response, error) {
	u := rq.url(c)
	refreshed := false
	for n := 1; ; n++ {
		resp, err := c.attempt(ctx, rq, u)
		if err == nil {
			if resp.StatusCode/100 == 2 || slices.Contains(rq.ok, resp.StatusCode) {
				return resp, nil
			}
			ae := newAPIError(rq.method, u, resp)
			resp.Body.Close()
			if c.tokens != nil && !rq.noAuth && !refreshed && (ae.StatusCode == http.StatusUnauthorized || ae.StatusCode == http.StatusForbidden) {
				refreshed = true
				c.tokens.invalidate()
				n--
				continue
			}
			err = ae
		} else if _, ok := errors.AsType[*tokenError](err); ok {
			return nil, err
		} else {
			err = fmt.Errorf("%s %s: %w", rq.method, u, err)
		}
		d, again := c.retry.wait(n, rq, err)
		if !again {
			return nil, err
		}
		t := time.NewTimer(d)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, fmt.Errorf("%s %s: waiting to retry: %w (after %w)", rq.method, u, ctx.Err(), err)
		case <-t.C:
		}
	}
}
