//go:build lite

package cli

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"
)

// doers returns the clients of [client]. Lite builds leave out net/http's
// client Transport, and with it the TLS client: these dial the API for each
// request and speak HTTP/1.1 over plain TCP, which is what the daemon's API
// serves. An https:// --api is refused.
func doers(timeout time.Duration) (short, long doer, closeIdle func()) {
	return dialer{whole: timeout, headers: timeout}, dialer{headers: timeout}, func() {}
}

// dialer makes one connection per request. whole, when set, bounds the
// entire exchange, body included; headers bounds the wait for the response
// headers.
type dialer struct {
	whole, headers time.Duration
}

func (d dialer) Do(req *http.Request) (*http.Response, error) {
	if req.URL.Scheme != "http" {
		return nil, fmt.Errorf("%s://: not in this build (lite), which speaks plain HTTP to the API; use the full build", req.URL.Scheme)
	}
	ctx, cancel := req.Context(), context.CancelFunc(func() {})
	if d.whole > 0 {
		ctx, cancel = context.WithTimeout(ctx, d.whole)
	}
	addr := req.URL.Host
	if req.URL.Port() == "" {
		addr = net.JoinHostPort(req.URL.Hostname(), "80")
	}
	var nd net.Dialer
	conn, err := nd.DialContext(ctx, "tcp", addr)
	if err != nil {
		cancel()
		return nil, err
	}
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	done := func() {
		stop()
		conn.Close()
		cancel()
	}
	fail := func(err error) (*http.Response, error) {
		err = d.cause(ctx, err)
		done()
		return nil, err
	}
	req.Close = true
	if d.headers > 0 {
		conn.SetDeadline(time.Now().Add(d.headers))
	}
	if err := req.Write(conn); err != nil {
		return fail(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), req)
	if err != nil {
		return fail(err)
	}
	conn.SetDeadline(time.Time{})
	resp.Body = &connBody{ReadCloser: resp.Body, ctx: ctx, d: d, done: done}
	return resp, nil
}

// cause is what err, met while ctx was in use, comes from: the end of ctx
// when it has ended (closing the connection), and a timeout said so.
func (d dialer) cause(ctx context.Context, err error) error {
	switch {
	case ctx.Err() == nil:
		return err
	case errors.Is(ctx.Err(), context.DeadlineExceeded) && d.whole > 0:
		return fmt.Errorf("no complete reply within the %v timeout: %w", d.whole, ctx.Err())
	}
	return ctx.Err()
}

// connBody closes the connection with the body, and reports the end of
// the request's context rather than the closed connection it causes.
type connBody struct {
	io.ReadCloser
	ctx  context.Context
	d    dialer
	done func()
}

func (b *connBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if err != nil && err != io.EOF {
		err = b.d.cause(b.ctx, err)
	}
	return n, err
}

func (b *connBody) Close() error {
	err := b.ReadCloser.Close()
	b.done()
	return err
}
