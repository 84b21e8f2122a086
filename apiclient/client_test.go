package apiclient

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"testing"
	"time"
)

func TestNew(t *testing.T) {
	tests := []struct {
		name    string
		base    string
		want    string
		wantErr string
	}{
		{name: "default", want: DefaultBaseURL},
		{name: "trailing slash", base: "http://127.0.0.1:9000/", want: "http://127.0.0.1:9000"},
		{name: "path prefix", base: "https://honeypot.example/sp/", want: "https://honeypot.example/sp"},
		{name: "no scheme", base: "127.0.0.1:8082", wantErr: "invalid base URL"},
		{name: "ftp", base: "ftp://127.0.0.1", wantErr: "invalid base URL"},
		{name: "query", base: "http://127.0.0.1/?x=1", wantErr: "invalid base URL"},
		{name: "credentials", base: "http://u:p@127.0.0.1", wantErr: "invalid base URL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := New(Config{BaseURL: tt.base, HTTPClient: http.DefaultClient})
			switch {
			case tt.wantErr != "":
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !strings.HasPrefix(err.Error(), "apiclient: ") {
					t.Errorf("err %v, want %q", err, tt.wantErr)
				}
			case err != nil:
				t.Errorf("err %v", err)
			case c.BaseURL() != tt.want:
				t.Errorf("base %s, want %s", c.BaseURL(), tt.want)
			}
		})
	}
}

func TestBaseURLFromListen(t *testing.T) {
	tests := []struct{ listen, want string }{
		{"127.0.0.1:8082", "http://127.0.0.1:8082"},
		{"0.0.0.0:8082", "http://127.0.0.1:8082"},
		{"[::]:9000", "http://[::1]:9000"},
		{"[2001:db8::1]:80", "http://[2001:db8::1]:80"},
		{"localhost:8082", ""},
	}
	for _, tt := range tests {
		t.Run(tt.listen, func(t *testing.T) {
			got, err := BaseURLFromListen(tt.listen)
			if tt.want == "" {
				if err == nil {
					t.Errorf("got %s, want an error", got)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Errorf("got %s, %v; want %s", got, err, tt.want)
			}
		})
	}
}

func TestAPIKeyIsSent(t *testing.T) {
	var rec recorder
	c := rec.serveConfig(t, Config{APIKey: " k3y\n"}, func(w http.ResponseWriter, r *http.Request) {
		reply(w, 200, map[string]any{"ip": "192.0.2.1", "bad": false})
	})
	if _, err := c.CheckIP(t.Context(), netip.MustParseAddr("192.0.2.1")); err != nil {
		t.Fatal(err)
	}
	if got := rec.last().Header.Get("Authorization"); got != "Bearer k3y" {
		t.Errorf("Authorization %q", got)
	}
}

func TestAPIError(t *testing.T) {
	tests := []struct {
		name   string
		status int
		body   string
		want   string // the error's text after the URL
		check  func(error) bool
	}{
		{"the error field", 400, `{"error":"limit: want 1..1000","parameter":"limit"}`, ": 400 Bad Request: limit: want 1..1000 (parameter limit)", IsBadRequest},
		{"the message field", 401, `{"message":"missing or wrong API key"}`, ": 401 Unauthorized: missing or wrong API key", IsUnauthorized},
		{"forbidden", 403, `{"message":"no"}`, ": 403 Forbidden: no", IsUnauthorized},
		{"not JSON", 502, "<html>bad gateway</html>\nmore", ": 502 Bad Gateway: <html>bad gateway</html>", func(error) bool { return true }},
		{"long", 500, strings.Repeat("x", 300), ": 500 Internal Server Error: " + strings.Repeat("x", 200) + "…", func(error) bool { return true }},
		{"not found", 404, `{"error":"no such thing"}`, ": 404 Not Found: no such thing", IsNotFound},
		{"rate limited", 429, `{}`, ": 429 Too Many Requests", IsRateLimited},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var rec recorder
			c := rec.serveConfig(t, Config{Retry: RetryPolicy{MaxAttempts: 1}}, func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(tt.status)
				w.Write([]byte(tt.body))
			})
			_, err := c.CheckNumber(t.Context(), "+44/123")
			ae, ok := errors.AsType[*APIError](err)
			if !ok {
				t.Fatalf("err %v is no *APIError", err)
			}
			wantURL := c.BaseURL() + "/api/v1/check/number/+44%2F123"
			if ae.Method != "GET" || ae.URL != wantURL || ae.Path != "/api/v1/check/number/+44/123" || ae.StatusCode != tt.status {
				t.Errorf("got %+v", ae)
			}
			if got := err.Error(); got != "GET "+wantURL+tt.want {
				t.Errorf("error %q, want %q", got, "GET "+wantURL+tt.want)
			}
			if !tt.check(err) {
				t.Errorf("the helper does not recognise %v", err)
			}
		})
	}
}

func TestBadReply(t *testing.T) {
	var rec recorder
	c := rec.serve(t, func(w http.ResponseWriter, r *http.Request) { w.Write([]byte(`{"total": "many"`)) })
	_, err := c.IPs(t.Context(), ListQuery{})
	if err == nil || !strings.Contains(err.Error(), "GET "+c.BaseURL()+"/api/v1/ip-addresses: decoding reply") {
		t.Errorf("err %v", err)
	}
}

func TestTimeout(t *testing.T) {
	var rec recorder
	c := rec.serveConfig(t, Config{Timeout: 50 * time.Millisecond}, func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-time.After(5 * time.Second):
		}
	})
	calls := map[string]func() error{
		"whole reply": func() error { _, err := c.IPs(t.Context(), ListQuery{}); return err },
		"export":      func() error { _, err := c.Export(t.Context(), ExportQuery{}); return err },
		"stream":      func() error { _, err := c.Stream(t.Context()); return err },
	}
	for name, call := range calls {
		t.Run(name, func(t *testing.T) {
			before := len(rec.uris())
			start := time.Now()
			err := call()
			if err == nil || !strings.Contains(err.Error(), "within the 50ms timeout") || !errors.Is(err, context.DeadlineExceeded) {
				t.Errorf("err %v, want a timeout", err)
			}
			if d := time.Since(start); d > 2*time.Second {
				t.Errorf("took %v", d)
			}
			if n := len(rec.uris()) - before; n != 1 {
				t.Errorf("%d requests; a timeout is not retried", n)
			}
		})
	}
}

func TestTransportErrorNamesTheURL(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	c, err := New(Config{BaseURL: "http://" + addr, Retry: RetryPolicy{MinBackoff: time.Millisecond}})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Events(t.Context(), EventQuery{Limit: 5})
	if err == nil || !strings.HasPrefix(err.Error(), "GET http://"+addr+"/api/v1/events?limit=5: ") || !strings.Contains(err.Error(), "connection refused") {
		t.Errorf("err %v", err)
	}
}

func TestContextCancel(t *testing.T) {
	var rec recorder
	c := rec.serve(t, func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() })
	ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel()
	_, err := c.Peers(ctx)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("err %v, want the context's", err)
	}
}
