package apiclient

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"time"
)

// Token is the reply of the token endpoint (POST {TokenURL}), the
// HQ-compatible client credentials flow.
type Token struct {
	AccessToken string `json:"access_token"`
	TokenType   string `json:"token_type"`
	// ExpiresIn is the token's lifetime in seconds; 0 when not said.
	ExpiresIn int64 `json:"expires_in"`
	// Scope lists the client's scopes, separated by spaces: read, report.
	Scope string `json:"scope,omitempty"`
}

// tokenSource fetches and keeps a bearer token.
type tokenSource struct {
	url, id, secret, audience string
	now                       func() time.Time

	mu  sync.Mutex // held while fetching, so that callers share a fetch
	tok string
	// renew is when tok is to be replaced; zero keeps it until refused.
	renew time.Time
}

// tokenError is a failed token fetch, already retried.
type tokenError struct{ err error }

func (e *tokenError) Error() string { return "fetching a token: " + e.err.Error() }
func (e *tokenError) Unwrap() error { return e.err }

// bearer returns the bearer credential of a request: the API key, else a
// token, else "".
func (c *Client) bearer(ctx context.Context) (string, error) {
	if c.key != "" || c.tokens == nil {
		return c.key, nil
	}
	return c.tokens.get(ctx, c)
}

// get returns the token, fetching one when there is none or it is due.
func (s *tokenSource) get(ctx context.Context, c *Client) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.tok != "" && (s.renew.IsZero() || s.now().Before(s.renew)) {
		return s.tok, nil
	}
	t, err := c.FetchToken(ctx)
	if err != nil {
		return "", &tokenError{err}
	}
	if t.AccessToken == "" {
		return "", &tokenError{fmt.Errorf("POST %s: the reply has no access_token", s.url)}
	}
	s.tok, s.renew = t.AccessToken, time.Time{}
	if t.ExpiresIn > 0 {
		life := time.Duration(t.ExpiresIn) * time.Second
		// Renew shortly before expiry: 30 s early, or a quarter of a
		// short life.
		s.renew = s.now().Add(life - min(30*time.Second, life/4))
	}
	return s.tok, nil
}

// invalidate drops the token, so that the next request fetches another.
func (s *tokenSource) invalidate() {
	s.mu.Lock()
	s.tok = ""
	s.mu.Unlock()
}

// FetchToken exchanges the client credentials of [Config] for a token
// (POST TokenURL with grant_type client_credentials). The Client calls it
// itself when it needs a token; it is exported for programs that pass the
// token on. It needs Config.ClientID.
func (c *Client) FetchToken(ctx context.Context) (*Token, error) {
	if c.tokens == nil {
		return nil, fmt.Errorf("apiclient: no client credentials (Config.ClientID) to fetch a token with")
	}
	s := c.tokens
	req := struct {
		ClientID     string `json:"client_id"`
		ClientSecret string `json:"client_secret"`
		Audience     string `json:"audience,omitempty"`
		GrantType    string `json:"grant_type"`
	}{s.id, s.secret, s.audience, "client_credentials"}
	// The exchange changes nothing, so it is retried like a GET.
	rq := &request{method: http.MethodPost, abs: s.url, noAuth: true, safe: true}
	var t Token
	if err := c.sendRequest(ctx, rq, req, &t); err != nil {
		return nil, err
	}
	return &t, nil
}
