package webhook

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// ErrNoToken is wrapped by the errors of a token endpoint that answered
// without a usable token.
var ErrNoToken = errors.New("webhook: no OAuth2 token")

// TokenSource gets and caches a bearer token by the OAuth2 client
// credentials grant, as the original SentryPeer did: a JSON POST of
// client_id, client_secret, audience and grant_type to the token URL,
// answered by access_token, expires_in and token_type. The token is reused
// until shortly before it expires, or until [TokenSource.Invalidate].
//
// It is safe for concurrent use; callers that need a token while one is
// being fetched wait for that fetch.
type TokenSource struct {
	cfg    OAuth2
	client *http.Client
	now    func() time.Time

	mu      sync.Mutex
	header  string // "Bearer TOKEN"; "" when none is cached
	expires time.Time

	fetches atomic.Uint64
}

// NewTokenSource returns a source for cfg that fetches with client (nil:
// http.DefaultClient) and now (nil: time.Now). It does no I/O.
func NewTokenSource(cfg OAuth2, client *http.Client, now func() time.Time) *TokenSource {
	if client == nil {
		client = http.DefaultClient
	}
	if now == nil {
		now = time.Now
	}
	return &TokenSource{cfg: cfg, client: client, now: now}
}

// Header returns the Authorization header value, fetching a token when
// none is cached or the cached one is about to expire.
func (s *TokenSource) Header(ctx context.Context) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.header != "" && (s.expires.IsZero() || s.now().Before(s.expires)) {
		return s.header, nil
	}
	s.header = ""
	h, ttl, err := s.fetch(ctx)
	if err != nil {
		return "", err
	}
	s.header, s.expires = h, time.Time{}
	if ttl > 0 {
		// Renew a tenth early, at most a minute: a token must not
		// expire between Header and the receiver checking it.
		s.expires = s.now().Add(ttl - min(ttl/10, time.Minute))
	}
	return h, nil
}

// Invalidate discards header if it is still the cached one (the receiver
// answered 401 to it), so that the next Header fetches a new token.
func (s *TokenSource) Invalidate(header string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.header == header {
		s.header = ""
	}
}

// Fetches returns how many tokens were requested.
func (s *TokenSource) Fetches() uint64 { return s.fetches.Load() }

type tokenRequest struct {
	ClientID     string `json:"client_id"`
	ClientSecret string `json:"client_secret"`
	Audience     string `json:"audience"`
	GrantType    string `json:"grant_type"`
}

type tokenResponse struct {
	AccessToken string `json:"access_token"`
	ExpiresIn   int64  `json:"expires_in"`
	TokenType   string `json:"token_type"`
}

func (s *TokenSource) fetch(ctx context.Context) (header string, ttl time.Duration, err error) {
	s.fetches.Add(1)
	body, _ := json.Marshal(tokenRequest{ClientID: s.cfg.ClientID, ClientSecret: s.cfg.ClientSecret,
		Audience: s.cfg.Audience, GrantType: "client_credentials"})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.cfg.TokenURL, bytes.NewReader(body))
	if err != nil {
		return "", 0, fmt.Errorf("webhook: token request: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := s.client.Do(req)
	if err != nil {
		return "", 0, fmt.Errorf("webhook: getting an OAuth2 token: %w", err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if err != nil {
		return "", 0, fmt.Errorf("webhook: reading the OAuth2 token: %w", err)
	}
	if resp.StatusCode/100 != 2 {
		return "", 0, fmt.Errorf("webhook: getting an OAuth2 token: %s: %q: %w", resp.Status, snippet(data), ErrNoToken)
	}
	var tr tokenResponse
	if err := json.Unmarshal(data, &tr); err != nil || tr.AccessToken == "" {
		return "", 0, fmt.Errorf("webhook: token endpoint answered no access_token: %w", ErrNoToken)
	}
	typ := tr.TokenType
	if typ == "" || typ == "bearer" {
		typ = "Bearer"
	}
	return typ + " " + tr.AccessToken, time.Duration(max(tr.ExpiresIn, 0)) * time.Second, nil
}

// snippet is the start of a receiver's answer, for error messages.
func snippet(b []byte) string {
	const n = 200
	if len(b) > n {
		return string(b[:n]) + "..."
	}
	return string(b)
}
