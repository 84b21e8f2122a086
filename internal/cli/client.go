package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"syscall"
	"time"
)

// defaultAPIListen is the default of the daemon's --api-listen setting
// (internal/config); a test keeps the two equal.
const defaultAPIListen = "127.0.0.1:8082"

// maxReply caps a JSON reply read into memory; the largest page (1000 rows
// with capped strings) is far below it.
const maxReply = 32 << 20

// apiBase returns the API base URL: flagValue when set (http:// is added
// when it has no scheme), else http:// plus SENTRYPEER_API_LISTEN, else the
// daemon's default address. An unspecified listen address (0.0.0.0, ::) is
// reached over loopback.
func apiBase(flagValue string, env func(string) (string, bool)) (*url.URL, error) {
	if flagValue != "" {
		raw := flagValue
		if !strings.Contains(raw, "://") {
			raw = "http://" + raw
		}
		u, err := url.Parse(raw)
		if err != nil {
			return nil, fmt.Errorf("invalid --api %q: %w", flagValue, err)
		}
		if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" || u.User != nil {
			return nil, fmt.Errorf("invalid --api %q: want http://HOST:PORT or https://HOST:PORT[/PATH]", flagValue)
		}
		u.Path = strings.TrimRight(u.Path, "/")
		u.RawPath = ""
		return u, nil
	}
	listen := defaultAPIListen
	if v, ok := env("SENTRYPEER_API_LISTEN"); ok && v != "" {
		listen = v
	}
	ap, err := netip.ParseAddrPort(listen)
	if err != nil {
		return nil, fmt.Errorf("invalid SENTRYPEER_API_LISTEN %q: %w", listen, err)
	}
	if ap.Addr().IsUnspecified() {
		lo := netip.IPv6Loopback()
		if ap.Addr().Is4() {
			lo = netip.AddrFrom4([4]byte{127, 0, 0, 1})
		}
		ap = netip.AddrPortFrom(lo, ap.Port())
	}
	return &url.URL{Scheme: "http", Host: ap.String()}, nil
}

// client calls the API. It is safe for concurrent use.
type client struct {
	base *url.URL
	key  string
	// short is for replies read whole: it bounds the entire exchange.
	short doer
	// long is for streamed replies (export, events/stream): it bounds only
	// the wait for the response headers, as a reader may be slow or the
	// stream endless.
	long doer
	// closeIdle releases idle connections.
	closeIdle func()
}

// doer sends a request; *http.Client is one.
type doer interface {
	Do(req *http.Request) (*http.Response, error)
}

func newClient(base *url.URL, key string, timeout time.Duration) *client {
	c := &client{base: base, key: key}
	c.short, c.long, c.closeIdle = doers(timeout)
	return c
}

// close releases idle connections.
func (c *client) close() { c.closeIdle() }

// url returns the absolute URL of path (already escaped) with query.
func (c *client) url(path string, query url.Values) string {
	s := c.base.String() + path
	if len(query) > 0 {
		s += "?" + query.Encode()
	}
	return s
}

// open sends GET path?query and returns the response when its status is 200;
// otherwise it returns an *apiError (or a transport error naming the URL).
// streaming selects the client without an overall timeout. The caller closes
// the body.
func (c *client) open(ctx context.Context, path string, query url.Values, accept string, streaming bool) (*http.Response, error) {
	u := c.url(path, query)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, fmt.Errorf("GET %s: %w", u, err)
	}
	req.Header.Set("Accept", accept)
	if c.key != "" {
		req.Header.Set("Authorization", "Bearer "+c.key)
	}
	hc := c.short
	if streaming {
		hc = c.long
	}
	resp, err := hc.Do(req)
	if err != nil {
		return nil, transportError(u, err)
	}
	if resp.StatusCode != http.StatusOK {
		defer resp.Body.Close()
		return nil, newAPIError(u, resp)
	}
	return resp, nil
}

// getJSON fetches path?query, decodes the reply into v and returns the raw
// reply for --json.
func (c *client) getJSON(ctx context.Context, path string, query url.Values, v any) ([]byte, error) {
	resp, err := c.open(ctx, path, query, "application/json", false)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	u := c.url(path, query)
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxReply+1))
	if err != nil {
		return nil, transportError(u, err)
	}
	if len(b) > maxReply {
		return nil, fmt.Errorf("GET %s: reply larger than %d bytes", u, maxReply)
	}
	if err := json.Unmarshal(b, v); err != nil {
		return nil, fmt.Errorf("GET %s: decoding reply: %w", u, err)
	}
	return b, nil
}

// apiError is a reply with a status other than 200.
type apiError struct {
	Method string // "" is GET
	URL    string
	Status int
	// Text is the API's "error" or "message", else the start of the body.
	Text string
	// Parameter is the API's "parameter", the query parameter at fault.
	Parameter string
}

func (e *apiError) Error() string {
	m := e.Method
	if m == "" {
		m = http.MethodGet
	}
	s := fmt.Sprintf("%s %s: %d %s", m, e.URL, e.Status, http.StatusText(e.Status))
	if e.Text != "" {
		s += ": " + e.Text
	}
	if e.Parameter != "" {
		s += " (parameter " + e.Parameter + ")"
	}
	if e.Status == http.StatusUnauthorized {
		if e.Method != "" && e.Method != http.MethodGet {
			s += " (changes need the admin key: run where --data-dir holds admin.key, or set --api-key)"
		} else {
			s += " (set --api-key or SENTRYPEER_API_KEY)"
		}
	}
	return s
}

func newAPIError(u string, resp *http.Response) *apiError {
	e := &apiError{URL: u, Status: resp.StatusCode}
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	var body struct {
		Error     string `json:"error"`
		Message   string `json:"message"`
		Parameter string `json:"parameter"`
	}
	if json.Unmarshal(b, &body) == nil {
		e.Text, e.Parameter = body.Error, body.Parameter
		if e.Text == "" {
			e.Text = body.Message
		}
		return e
	}
	// Not our JSON (a proxy's page, say): keep its first line, briefly.
	line, _, _ := strings.Cut(strings.TrimSpace(string(b)), "\n")
	if len(line) > 200 {
		line = line[:200] + "…"
	}
	e.Text = line
	return e
}

// transportError names the URL once (url.Error would repeat it) and hints
// at the usual cause of a refused connection.
func transportError(u string, err error) error {
	if ue, ok := errors.AsType[*url.Error](err); ok {
		err = ue.Err
	}
	if errors.Is(err, syscall.ECONNREFUSED) {
		return fmt.Errorf("GET %s: %w (is sentrypeer running with its API on? see --api and SENTRYPEER_API_LISTEN)", u, err)
	}
	return fmt.Errorf("GET %s: %w", u, err)
}

// send makes a request with a JSON body (nil for none) and decodes a 2xx
// reply into v; it returns the raw reply for --json.
func (c *client) send(ctx context.Context, method, path string, body []byte, v any) ([]byte, error) {
	u := c.url(path, nil)
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, u, rd)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", method, u, err)
	}
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.key != "" {
		req.Header.Set("Authorization", "Bearer "+c.key)
	}
	resp, err := c.short.Do(req)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", method, transportError(u, err))
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		e := newAPIError(u, resp)
		e.Method = method
		return nil, e
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxReply))
	if err != nil {
		return nil, transportError(u, err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		return nil, fmt.Errorf("%s %s: decoding reply: %w", method, u, err)
	}
	return b, nil
}
