package apiclient

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"time"
)

// DefaultAddr is the default of the daemon's --api-listen setting.
const DefaultAddr = "127.0.0.1:8082"

// DefaultBaseURL is the API of a daemon on this machine with the defaults.
const DefaultBaseURL = "http://" + DefaultAddr

// Defaults of [Config].
const (
	DefaultTimeout    = 10 * time.Second
	DefaultStreamIdle = 45 * time.Second
)

// maxReply caps a JSON reply read into memory; the largest page (1000 rows
// with capped strings) is far below it.
const maxReply = 32 << 20

// Doer sends one HTTP request; *http.Client is one.
type Doer interface {
	Do(req *http.Request) (*http.Response, error)
}

// Config says how to reach the API. The zero Config reaches
// [DefaultBaseURL] without a key.
type Config struct {
	// BaseURL is http://HOST:PORT or https://HOST:PORT[/PATH]
	// (default DefaultBaseURL). A trailing slash is dropped.
	BaseURL string
	// APIKey, when set, is sent as "Authorization: Bearer KEY". Changing
	// decisions needs the admin key (DATA-DIR/admin.key) or the API key.
	APIKey string
	// ClientID and ClientSecret, when set and APIKey is not, are exchanged
	// for a bearer token at TokenURL (the HQ-compatible client credentials
	// flow), for Audience. See [Client] for how tokens are kept.
	ClientID, ClientSecret, Audience string
	// TokenURL is where tokens come from (default BaseURL + "/oauth/token").
	TokenURL string
	// HTTPClient sends the requests (default: a client of its own; in lite
	// builds one that speaks plain HTTP/1.1 only). It should set no overall
	// timeout of its own, or the live stream ends with it.
	HTTPClient Doer
	// Timeout bounds each attempt of a request whose reply is read whole,
	// and the wait for the headers of a streamed reply (Export, Stream)
	// (default DefaultTimeout; negative for none).
	Timeout time.Duration
	// StreamIdle is how long a [Stream] waits for any data, events or the
	// API's keep-alives (sent every 15 s), before it gives up on the
	// connection (default DefaultStreamIdle; negative for never).
	StreamIdle time.Duration
	// Retry says when and how a failed request is sent again.
	Retry RetryPolicy
}

// Client is a client of the SentryPeer API. It is safe for concurrent use.
//
// Every method takes a context: cancelling it aborts the request, and the
// waits between retries. A call whose reply is read whole is done when it
// returns; [Client.Export] and [Client.Stream] return a reply the caller
// must close.
//
// With client credentials, the Client fetches a token before its first
// request and keeps it until shortly before it expires; when the API
// refuses it (401 or 403), the Client fetches a new one once and sends the
// request again.
type Client struct {
	base       *url.URL
	key        string
	doer       Doer
	closeIdle  func()
	timeout    time.Duration
	streamIdle time.Duration
	retry      RetryPolicy
	tokens     *tokenSource // nil without client credentials
}

// New returns a client for cfg. It sends nothing.
func New(cfg Config) (*Client, error) {
	raw := cfg.BaseURL
	if raw == "" {
		raw = DefaultBaseURL
	}
	base, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("apiclient: invalid base URL %q: %w", raw, err)
	}
	if (base.Scheme != "http" && base.Scheme != "https") || base.Host == "" || base.RawQuery != "" || base.Fragment != "" || base.User != nil {
		return nil, fmt.Errorf("apiclient: invalid base URL %q: want http://HOST:PORT or https://HOST:PORT[/PATH]", raw)
	}
	base.Path, base.RawPath = strings.TrimRight(base.Path, "/"), ""
	c := &Client{base: base, key: strings.TrimSpace(cfg.APIKey), doer: cfg.HTTPClient, closeIdle: func() {},
		timeout: cfg.Timeout, streamIdle: cfg.StreamIdle, retry: cfg.Retry.withDefaults()}
	if c.timeout == 0 {
		c.timeout = DefaultTimeout
	}
	if c.streamIdle == 0 {
		c.streamIdle = DefaultStreamIdle
	}
	if c.doer == nil {
		if err := checkScheme(base.Scheme); err != nil {
			return nil, err
		}
		c.doer, c.closeIdle = defaultDoer()
	}
	if c.key == "" && cfg.ClientID != "" {
		tu := cfg.TokenURL
		if tu == "" {
			tu = base.String() + "/oauth/token"
		}
		c.tokens = &tokenSource{url: tu, id: cfg.ClientID, secret: cfg.ClientSecret, audience: cfg.Audience, now: time.Now}
	}
	return c, nil
}

// Close releases idle connections. The Client stays usable.
func (c *Client) Close() { c.closeIdle() }

// BaseURL returns the API base URL, without a trailing slash.
func (c *Client) BaseURL() string { return c.base.String() }

// BaseURLFromListen returns the base URL that reaches an API listening on
// listen (IP:PORT, as the daemon's --api-listen takes it): an unspecified
// address (0.0.0.0, ::) is reached over loopback.
func BaseURLFromListen(listen string) (string, error) {
	ap, err := netip.ParseAddrPort(listen)
	if err != nil {
		return "", fmt.Errorf("apiclient: invalid listen address %q: %w", listen, err)
	}
	if ap.Addr().IsUnspecified() {
		lo := netip.IPv6Loopback()
		if ap.Addr().Is4() {
			lo = netip.AddrFrom4([4]byte{127, 0, 0, 1})
		}
		ap = netip.AddrPortFrom(lo, ap.Port())
	}
	return "http://" + ap.String(), nil
}

// request is one API call.
type request struct {
	method string
	path   string // escaped, under the base URL
	abs    string // an absolute URL instead of path (the token URL)
	query  url.Values
	body   []byte // JSON; nil for none
	accept string
	stream bool // only the wait for the headers is bounded
	noAuth bool
	safe   bool // a POST that changes nothing, retried like a GET
	// ok lists the statuses other than 2xx that are answers, not errors.
	ok []int
}

// idempotent reports whether rq may be sent twice to the same effect.
func (rq *request) idempotent() bool { return rq.method != http.MethodPost || rq.safe }

func (rq *request) url(c *Client) string {
	s := rq.abs
	if s == "" {
		s = c.base.String() + rq.path
	}
	if len(rq.query) > 0 {
		s += "?" + rq.query.Encode()
	}
	return s
}

// decode fetches path?query into v and returns the raw reply.
func (c *Client) decode(ctx context.Context, path string, query url.Values, v any) ([]byte, error) {
	rq := &request{method: http.MethodGet, path: path, query: query}
	b, err := c.call(ctx, rq)
	if err != nil {
		return nil, err
	}
	return b, c.unmarshal(rq, b, v)
}

func (c *Client) unmarshal(rq *request, b []byte, v any) error {
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("%s %s: decoding reply: %w", rq.method, rq.url(c), err)
	}
	return nil
}

// call sends rq and returns the 2xx reply, read whole.
func (c *Client) call(ctx context.Context, rq *request) ([]byte, error) {
	if rq.accept == "" {
		rq.accept = "application/json"
	}
	resp, err := c.do(ctx, rq)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxReply+1))
	if err != nil {
		return nil, fmt.Errorf("%s %s: reading reply: %w", rq.method, rq.url(c), err)
	}
	if len(b) > maxReply {
		return nil, fmt.Errorf("%s %s: reply larger than %d bytes", rq.method, rq.url(c), maxReply)
	}
	return b, nil
}

// sendJSON sends v as the JSON body of method path and decodes a 2xx reply
// into out, returning the raw reply.
func (c *Client) sendJSON(ctx context.Context, method, path string, v, out any) ([]byte, error) {
	rq := &request{method: method, path: path}
	return c.sendRequestRaw(ctx, rq, v, out)
}

// sendRequest is sendJSON for a request already made.
func (c *Client) sendRequest(ctx context.Context, rq *request, v, out any) error {
	_, err := c.sendRequestRaw(ctx, rq, v, out)
	return err
}

func (c *Client) sendRequestRaw(ctx context.Context, rq *request, v, out any) ([]byte, error) {
	method := rq.method
	if v != nil {
		b, err := json.Marshal(v)
		if err != nil {
			return nil, fmt.Errorf("%s %s: encoding request: %w", method, rq.url(c), err)
		}
		rq.body = b
	}
	b, err := c.call(ctx, rq)
	if err != nil {
		return nil, err
	}
	return b, c.unmarshal(rq, b, out)
}

// attempt sends rq once. The reply's body, which the caller closes, ends
// the attempt's context; its read errors say why that context ended.
func (c *Client) attempt(ctx context.Context, rq *request, u string) (*http.Response, error) {
	actx, cancel := context.WithCancelCause(ctx)
	var timer *time.Timer
	if c.timeout > 0 {
		to := &timeoutError{d: c.timeout, what: "complete reply"}
		if rq.stream {
			to.what = "response headers"
		}
		timer = time.AfterFunc(c.timeout, func() { cancel(to) })
	}
	stop := func() {
		if timer != nil {
			timer.Stop()
		}
	}
	var rd io.Reader
	if rq.body != nil {
		rd = bytes.NewReader(rq.body)
	}
	req, err := http.NewRequestWithContext(actx, rq.method, u, rd)
	if err != nil {
		stop()
		cancel(nil)
		return nil, err
	}
	req.Header.Set("Accept", rq.accept)
	if rq.body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if !rq.noAuth {
		tok, err := c.bearer(ctx)
		if err != nil {
			stop()
			cancel(nil)
			return nil, err
		}
		if tok != "" {
			req.Header.Set("Authorization", "Bearer "+tok)
		}
	}
	resp, err := c.doer.Do(req)
	if rq.stream {
		stop()
	}
	if err != nil {
		err = cause(ctx, actx, err)
		stop()
		cancel(nil)
		return nil, err
	}
	resp.Body = &body{rc: resp.Body, parent: ctx, ctx: actx, cancel: cancel, stop: stop}
	return resp, nil
}

// body is a reply's body: closing it ends its attempt's context, and read
// errors say why that context ended.
type body struct {
	rc          io.ReadCloser
	parent, ctx context.Context
	cancel      context.CancelCauseFunc
	stop        func()
}

func (b *body) Read(p []byte) (int, error) {
	n, err := b.rc.Read(p)
	if err != nil && err != io.EOF {
		err = cause(b.parent, b.ctx, err)
	}
	return n, err
}

func (b *body) Close() error {
	err := b.rc.Close()
	b.stop()
	b.cancel(nil)
	return err
}
