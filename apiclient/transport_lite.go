//go:build lite

package apiclient

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
)

// defaultDoer returns the client used when [Config].HTTPClient is nil.
// Lite builds leave out net/http's client Transport, and with it the TLS
// client: this one dials the API for each request and speaks HTTP/1.1 over
// plain TCP, which is what the daemon's API serves. Timeouts come from
// each request's context.
func defaultDoer() (Doer, func()) { return dialer{}, func() {} }

// checkScheme refuses https:// in lite builds.
func checkScheme(scheme string) error {
	if scheme != "http" {
		return fmt.Errorf("apiclient: %s://: not in this build (lite), which speaks plain HTTP to the API; use the full build", scheme)
	}
	return nil
}

// dialer makes one connection per request; the request's context bounds
// it, body included.
type dialer struct{}

var _ Doer = dialer{}

func (dialer) Do(req *http.Request) (*http.Response, error) {
	if err := checkScheme(req.URL.Scheme); err != nil {
		return nil, err
	}
	ctx := req.Context()
	addr := req.URL.Host
	if req.URL.Port() == "" {
		addr = net.JoinHostPort(req.URL.Hostname(), "80")
	}
	var nd net.Dialer
	conn, err := nd.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, err
	}
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	done := func() {
		stop()
		conn.Close()
	}
	fail := func(err error) (*http.Response, error) {
		done()
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, err
	}
	req.Close = true
	if err := req.Write(conn); err != nil {
		return fail(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), req)
	if err != nil {
		return fail(err)
	}
	resp.Body = &connBody{ReadCloser: resp.Body, done: done}
	return resp, nil
}

// connBody closes the connection with the body: first, as closing a body
// that [http.ReadResponse] made reads the rest of it, which on a stream
// never ends.
type connBody struct {
	io.ReadCloser
	done func()
}

func (b *connBody) Close() error {
	b.done()
	b.ReadCloser.Close() // fails on the closed connection unless read to the end
	return nil
}
