package apiclient

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// APIError is a reply whose status is an error: what the server said.
type APIError struct {
	Method     string // GET, POST, DELETE
	URL        string // the request's URL, query included
	Path       string // the URL's path
	StatusCode int
	// Message is the server's "error" (or "message") field, else the
	// first line of the body, cut at 200 bytes. It is the server's text:
	// sanitise it before showing it on a terminal.
	Message string
	// Parameter is the server's "parameter": the query parameter or body
	// field at fault, if any.
	Parameter string
	// RetryAfter is the server's Retry-After, zero when it sent none.
	RetryAfter time.Duration
}

func (e *APIError) Error() string {
	s := fmt.Sprintf("%s %s: %d %s", e.Method, e.URL, e.StatusCode, http.StatusText(e.StatusCode))
	if e.Message != "" {
		s += ": " + e.Message
	}
	if e.Parameter != "" {
		s += " (parameter " + e.Parameter + ")"
	}
	return s
}

// newAPIError reads the error reply resp (it does not close it).
func newAPIError(method, u string, resp *http.Response) *APIError {
	e := &APIError{Method: method, URL: u, StatusCode: resp.StatusCode,
		RetryAfter: retryAfter(resp.Header.Get("Retry-After"), time.Now())}
	if pu, err := url.Parse(u); err == nil {
		e.Path = pu.Path
	}
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	var reply struct {
		Error     string `json:"error"`
		Message   string `json:"message"`
		Parameter string `json:"parameter"`
	}
	if json.Unmarshal(b, &reply) == nil {
		e.Message, e.Parameter = reply.Error, reply.Parameter
		if e.Message == "" {
			e.Message = reply.Message
		}
		return e
	}
	// Not the API's JSON (a proxy's page, say): its first line, briefly.
	line, _, _ := strings.Cut(strings.TrimSpace(string(b)), "\n")
	if len(line) > 200 {
		line = line[:200] + "…"
	}
	e.Message = line
	return e
}

// statusOf returns the status of the *APIError in err's chain, else 0.
func statusOf(err error) int {
	if e, ok := errors.AsType[*APIError](err); ok {
		return e.StatusCode
	}
	return 0
}

// IsNotFound reports whether err is a 404 reply.
func IsNotFound(err error) bool { return statusOf(err) == http.StatusNotFound }

// IsUnauthorized reports whether err is a 401 or 403 reply: a missing or
// wrong key, or a key short of what the request needs.
func IsUnauthorized(err error) bool {
	s := statusOf(err)
	return s == http.StatusUnauthorized || s == http.StatusForbidden
}

// IsBadRequest reports whether err is a 400 reply: a parameter the server
// refused, named by [APIError].Parameter.
func IsBadRequest(err error) bool { return statusOf(err) == http.StatusBadRequest }

// IsRateLimited reports whether err is a 429 reply.
func IsRateLimited(err error) bool { return statusOf(err) == http.StatusTooManyRequests }

// timeoutError is the end of an attempt that ran out of [Config].Timeout.
// It matches context.DeadlineExceeded.
type timeoutError struct {
	d    time.Duration
	what string
}

func (e *timeoutError) Error() string { return fmt.Sprintf("no %s within the %v timeout", e.what, e.d) }
func (e *timeoutError) Unwrap() error { return context.DeadlineExceeded }
func (e *timeoutError) Timeout() bool { return true }

// cause is what err, met in an attempt under actx (a child of parent),
// comes from: the end of parent when it has ended, the reason actx was
// cancelled (a timeout, a silent stream) when it was, else err itself,
// without the url.Error that repeats the URL.
func cause(parent, actx context.Context, err error) error {
	if parent.Err() != nil {
		return parent.Err()
	}
	if actx.Err() != nil {
		if c := context.Cause(actx); c != nil && c != context.Canceled {
			return c
		}
	}
	if ue, ok := errors.AsType[*url.Error](err); ok {
		return ue.Err
	}
	return err
}
