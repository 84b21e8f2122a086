package httpapi

import (
	"encoding/json"
	"mime"
	"net/http"

	"github.com/sentrypeer/sentrypeer/internal/clients"
)

// oauthError is an OAuth2 error answer (RFC 6749 section 5.2).
type oauthError struct {
	Error       string `json:"error"`
	Description string `json:"error_description,omitempty"`
}

type tokenRequest struct {
	GrantType    string `json:"grant_type"`
	ClientID     string `json:"client_id"`
	ClientSecret string `json:"client_secret"`
	Audience     string `json:"audience"`
	Scope        string `json:"scope"`
}

type tokenAnswer struct {
	AccessToken string `json:"access_token"`
	TokenType   string `json:"token_type"`
	ExpiresIn   int64  `json:"expires_in"`
	Scope       string `json:"scope"`
}

// token answers POST /oauth/token, the client credentials grant as
// SentryPeerHQ (Auth0) and CGRateS speak it: a JSON or form body of
// grant_type, client_id, client_secret and an optional audience (any is
// accepted: there is one API here), or the credentials by HTTP Basic.
func (a *api) token(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Pragma", "no-cache")
	var req tokenRequest
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch ct {
	case "application/json":
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
			writeJSON(w, http.StatusBadRequest, oauthError{"invalid_request", "body: want a JSON object of grant_type, client_id, client_secret and audience"})
			return
		}
	case "application/x-www-form-urlencoded":
		if err := r.ParseForm(); err != nil {
			writeJSON(w, http.StatusBadRequest, oauthError{"invalid_request", "body: a malformed form"})
			return
		}
		f := r.PostForm
		req = tokenRequest{GrantType: f.Get("grant_type"), ClientID: f.Get("client_id"), ClientSecret: f.Get("client_secret"),
			Audience: f.Get("audience"), Scope: f.Get("scope")}
	default:
		writeJSON(w, http.StatusBadRequest, oauthError{"invalid_request", "Content-Type: want application/json or application/x-www-form-urlencoded"})
		return
	}
	basic := false
	if id, secret, ok := r.BasicAuth(); ok {
		req.ClientID, req.ClientSecret, basic = id, secret, true
	}
	switch req.GrantType {
	case "client_credentials":
	case "":
		writeJSON(w, http.StatusBadRequest, oauthError{"invalid_request", "grant_type is missing: want client_credentials"})
		return
	default:
		writeJSON(w, http.StatusBadRequest, oauthError{"unsupported_grant_type", "only client_credentials is supported"})
		return
	}
	tok, err := a.cfg.Clients.Issue(req.ClientID, req.ClientSecret)
	if err != nil {
		if basic {
			w.Header().Set("WWW-Authenticate", `Basic realm="sentrypeer"`)
		}
		writeJSON(w, http.StatusUnauthorized, oauthError{Error: "invalid_client"})
		return
	}
	if ok, wait := a.cfg.Clients.Allow(tok.Client.ID); !ok {
		tooMany(w, r, wait)
		return
	}
	writeJSON(w, http.StatusOK, tokenAnswer{AccessToken: tok.AccessToken, TokenType: "Bearer",
		ExpiresIn: int64(tok.ExpiresIn.Seconds()), Scope: tok.Scope.String()})
}

var _ Clients = (*clients.Registry)(nil)
