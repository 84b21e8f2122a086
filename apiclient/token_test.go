package apiclient

import (
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// tokenServer issues tokens tok1, tok2, … at /oauth/token and accepts only
// the newest at /api/v1/peers.
type tokenServer struct {
	mu      sync.Mutex
	issued  int
	expires int64
	// refuse, when set, refuses every token.
	refuse bool
	// reqs are the token requests' bodies.
	reqs []map[string]string
}

func (s *tokenServer) handler(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch r.URL.Path {
	case "/oauth/token":
		var body map[string]string
		json.NewDecoder(r.Body).Decode(&body)
		s.reqs = append(s.reqs, body)
		if body["client_secret"] != "s3cret" {
			reply(w, 401, map[string]string{"error": "access_denied"})
			return
		}
		s.issued++
		reply(w, 200, map[string]any{"access_token": "tok" + string(rune('0'+s.issued)), "token_type": "Bearer", "expires_in": s.expires})
	default:
		if s.refuse || r.Header.Get("Authorization") != "Bearer tok"+string(rune('0'+s.issued)) {
			reply(w, 401, map[string]string{"message": "missing or wrong API key"})
			return
		}
		reply(w, 200, map[string]any{"sharing": false})
	}
}

func TestTokenFlow(t *testing.T) {
	ts := &tokenServer{expires: 3600}
	var rec recorder
	c := rec.serveConfig(t, Config{ClientID: "id", ClientSecret: "s3cret", Audience: "https://sentrypeer.com/api"}, ts.handler)
	now := time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC)
	c.tokens.now = func() time.Time { return now }

	get := func() error { _, err := c.Peers(t.Context()); return err }
	if err := get(); err != nil {
		t.Fatal(err)
	}
	if err := get(); err != nil {
		t.Fatal(err)
	}
	if ts.issued != 1 {
		t.Errorf("%d tokens fetched for two calls, want 1 (kept)", ts.issued)
	}
	want := map[string]string{"client_id": "id", "client_secret": "s3cret", "audience": "https://sentrypeer.com/api", "grant_type": "client_credentials"}
	for k, v := range want {
		if ts.reqs[0][k] != v {
			t.Errorf("token request %s = %q, want %q", k, ts.reqs[0][k], v)
		}
	}
	if got := rec.uris()[0]; got != "POST /oauth/token" {
		t.Errorf("first request %s", got)
	}

	// Shortly before expiry, a new one.
	now = now.Add(3600*time.Second - 10*time.Second)
	if err := get(); err != nil || ts.issued != 2 {
		t.Errorf("near expiry: %v, %d tokens fetched; want 2", err, ts.issued)
	}

	// The server forgets the token (a restart, a revocation): one more
	// fetch, and the request goes again.
	ts.mu.Lock()
	ts.issued++ // the server now wants tok4; the client holds tok2
	ts.mu.Unlock()
	before := len(rec.uris())
	if err := get(); err != nil {
		t.Fatalf("after a refusal: %v", err)
	}
	if got := rec.uris()[before:]; len(got) != 3 || got[1] != "POST /oauth/token" {
		t.Errorf("requests %q, want the refused GET, a token, the GET again", got)
	}

	// Refused again with a new token: the error, after one fetch.
	ts.refuse = true
	before = len(rec.uris())
	err := get()
	if !IsUnauthorized(err) {
		t.Errorf("err %v, want a 401", err)
	}
	if n := len(rec.uris()) - before; n != 3 {
		t.Errorf("%d requests, want 3 (GET, token, GET)", n)
	}
}

func TestTokenRefused(t *testing.T) {
	ts := &tokenServer{}
	var rec recorder
	c := rec.serveConfig(t, Config{ClientID: "id", ClientSecret: "wrong"}, ts.handler)
	_, err := c.Peers(t.Context())
	if !IsUnauthorized(err) || !strings.Contains(err.Error(), "fetching a token: POST "+c.BaseURL()+"/oauth/token: 401 Unauthorized: access_denied") {
		t.Errorf("err %v", err)
	}
	if got := rec.uris(); len(got) != 1 {
		t.Errorf("requests %q, want only the token request", got)
	}
}

func TestAPIKeyBeatsCredentials(t *testing.T) {
	var rec recorder
	c := rec.serveConfig(t, Config{APIKey: "key", ClientID: "id"}, func(w http.ResponseWriter, r *http.Request) {
		reply(w, 200, map[string]any{"sharing": false})
	})
	if _, err := c.Peers(t.Context()); err != nil {
		t.Fatal(err)
	}
	if got := rec.uris(); len(got) != 1 || rec.last().Header.Get("Authorization") != "Bearer key" {
		t.Errorf("requests %q", got)
	}
	if _, err := c.FetchToken(t.Context()); err == nil {
		t.Error("FetchToken without credentials worked")
	}
}
