package webhook

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// tokenServer issues tok-1, tok-2, ... and remembers the requests' bodies.
type tokenServer struct {
	srv     *httptest.Server
	issued  atomic.Int32
	valid   atomic.Value // string: the token the receiver accepts
	mu      sync.Mutex
	bodies  []map[string]string
	expires int
}

func newTokenServer(t *testing.T, expiresIn int) *tokenServer {
	ts := &tokenServer{expires: expiresIn}
	ts.valid.Store("")
	ts.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		var m map[string]string
		if err := json.Unmarshal(b, &m); err != nil || r.Header.Get("Content-Type") != "application/json" {
			http.Error(w, "want JSON", http.StatusBadRequest)
			return
		}
		ts.mu.Lock()
		ts.bodies = append(ts.bodies, m)
		ts.mu.Unlock()
		tok := fmt.Sprintf("tok-%d", ts.issued.Add(1))
		ts.valid.Store(tok)
		json.NewEncoder(w).Encode(map[string]any{"access_token": tok, "expires_in": ts.expires, "token_type": "Bearer"})
	}))
	t.Cleanup(ts.srv.Close)
	return ts
}

func TestOAuth2(t *testing.T) {
	ts := newTokenServer(t, 3600)
	rx := newReceiver(t, func(r *http.Request, body []byte) int {
		if r.Header.Get("Authorization") != "Bearer "+ts.valid.Load().(string) {
			return http.StatusUnauthorized
		}
		return http.StatusOK
	})
	cfg := testConfig(rx.srv.URL)
	cfg.OAuth2 = &OAuth2{TokenURL: ts.srv.URL, ClientID: "id-1", ClientSecret: "secret-1", Audience: "https://sentrypeer.com/api"}
	w := start(t, "", cfg)
	for i := range 5 {
		w.send(t, testEvent(i))
	}
	waitFor(t, "5 events", func() bool { return w.Stats().Delivered == 5 })
	if n := ts.issued.Load(); n != 1 {
		t.Fatalf("%d tokens fetched for 5 POSTs, want 1 reused", n)
	}
	ts.valid.Store("revoked") // the receiver now answers 401 to tok-1
	for i := 5; i < 10; i++ {
		w.send(t, testEvent(i))
	}
	waitFor(t, "10 events", func() bool { return w.Stats().Delivered == 10 })
	if n := ts.issued.Load(); n != 2 {
		t.Errorf("%d tokens fetched, want 2: one, and one after the 401", n)
	}
	if s := w.Stats(); s.Retried != 0 || s.TokenFetches != 2 {
		t.Errorf("Stats = %+v; a 401 renewed at once is no retry", s)
	}
	want := map[string]string{"client_id": "id-1", "client_secret": "secret-1", "audience": "https://sentrypeer.com/api", "grant_type": "client_credentials"}
	for _, b := range ts.bodies {
		if fmt.Sprint(b) != fmt.Sprint(want) {
			t.Errorf("token request %v, want %v", b, want)
		}
	}
}

func TestTokenSourceCaches(t *testing.T) {
	ts := newTokenServer(t, 100)
	now := time.Unix(1_700_000_000, 0)
	var mu sync.Mutex
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	src := NewTokenSource(OAuth2{TokenURL: ts.srv.URL, ClientID: "a", ClientSecret: "b"}, nil, clock)
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			if h, err := src.Header(t.Context()); err != nil || h != "Bearer tok-1" {
				t.Errorf("Header = %q, %v", h, err)
			}
		})
	}
	wg.Wait()
	if src.Fetches() != 1 {
		t.Fatalf("%d fetches by 8 concurrent callers, want 1", src.Fetches())
	}
	mu.Lock()
	now = now.Add(89 * time.Second) // renewed a tenth early: at 90 s
	mu.Unlock()
	if h, _ := src.Header(t.Context()); h != "Bearer tok-1" {
		t.Errorf("at 89 s: %q, want the cached token", h)
	}
	mu.Lock()
	now = now.Add(2 * time.Second)
	mu.Unlock()
	if h, _ := src.Header(t.Context()); h != "Bearer tok-2" {
		t.Errorf("at 91 s: %q, want a new token", h)
	}
	src.Invalidate("Bearer tok-1") // stale: tok-2 stays
	if h, _ := src.Header(t.Context()); h != "Bearer tok-2" {
		t.Errorf("after invalidating an older token: %q", h)
	}
	src.Invalidate("Bearer tok-2")
	if h, _ := src.Header(t.Context()); h != "Bearer tok-3" {
		t.Errorf("after Invalidate: %q", h)
	}
}

func TestTokenErrors(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/empty" {
			w.Write([]byte(`{"token_type":"Bearer"}`))
			return
		}
		http.Error(w, `{"error":"access_denied"}`, http.StatusForbidden)
	}))
	defer srv.Close()
	for _, path := range []string{"/denied", "/empty"} {
		src := NewTokenSource(OAuth2{TokenURL: srv.URL + path}, nil, nil)
		if _, err := src.Header(t.Context()); !errors.Is(err, ErrNoToken) {
			t.Errorf("%s: err %v, want ErrNoToken", path, err)
		}
	}
}
