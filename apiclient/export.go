package apiclient

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
)

// ExportQuery selects a block list.
type ExportQuery struct {
	Format string // txt (the server's default), csv, json, nft or ipset
	Kind   string // ips (default), numbers or all; nft and ipset take ips only
}

// Export returns a block list (GET /api/v1/export) as the server streams
// it; the caller closes it. Only the wait for the headers is bounded by
// [Config].Timeout, as the list may be long and its reader slow.
func (c *Client) Export(ctx context.Context, q ExportQuery) (io.ReadCloser, error) {
	v := url.Values{}
	if q.Format != "" {
		v.Set("format", q.Format)
	}
	if q.Kind != "" {
		v.Set("kind", q.Kind)
	}
	rq := &request{method: http.MethodGet, path: "/api/v1/export", query: v, accept: "*/*", stream: true}
	resp, err := c.do(ctx, rq)
	if err != nil {
		return nil, err
	}
	return &namedBody{ReadCloser: resp.Body, what: "GET " + rq.url(c)}, nil
}

// namedBody names the request in its read errors.
type namedBody struct {
	io.ReadCloser
	what string
}

func (b *namedBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if err != nil && err != io.EOF {
		err = fmt.Errorf("%s: reading reply: %w", b.what, err)
	}
	return n, err
}
