package apiclient

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"
)

// recorder serves h and keeps the requests it received.
type recorder struct {
	mu   sync.Mutex
	reqs []*http.Request
	// bodies are the request bodies, by request.
	bodies []string
}

func (rec *recorder) serve(t *testing.T, h http.HandlerFunc) *Client {
	t.Helper()
	return rec.serveConfig(t, Config{}, h)
}

func (rec *recorder) serveConfig(t *testing.T, cfg Config, h http.HandlerFunc) *Client {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(b))
		rec.mu.Lock()
		rec.reqs = append(rec.reqs, r.Clone(r.Context()))
		rec.bodies = append(rec.bodies, string(b))
		rec.mu.Unlock()
		h(w, r)
	}))
	t.Cleanup(srv.Close)
	if cfg.BaseURL == "" {
		cfg.BaseURL = srv.URL
	}
	if cfg.Retry.MinBackoff == 0 {
		cfg.Retry.MinBackoff = time.Millisecond
	}
	c, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c
}

// uris returns the request URIs received, with their methods.
func (rec *recorder) uris() []string {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	var out []string
	for _, r := range rec.reqs {
		out = append(out, r.Method+" "+r.URL.RequestURI())
	}
	return out
}

func (rec *recorder) last() *http.Request {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	return rec.reqs[len(rec.reqs)-1]
}

func reply(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}
