package httpapi

import (
	"context"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/sentrypeer/sentrypeer/internal/clients"
)

// Clients are the API's OAuth2 clients; *clients.Registry is one.
type Clients interface {
	// Any reports whether there is a client: then, even without an API
	// key, every request needs a credential.
	Any() bool
	Issue(id, secret string) (clients.Token, error)
	Verify(token string) (clients.Client, bool)
	// Allow takes one request from the client's rate limit.
	Allow(id string) (bool, time.Duration)
}

type clientKey struct{}

// clientOf returns the client whose token authorised r, if any.
func clientOf(r *http.Request) (clients.Client, bool) {
	c, ok := r.Context().Value(clientKey{}).(clients.Client)
	return c, ok
}

// bearer returns r's bearer credential, "" for none.
func bearer(r *http.Request) string {
	auth, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok {
		return ""
	}
	return strings.TrimSpace(auth)
}

// authorize lets a request through when the API is open (no API key and
// no client: loopback only, config sees to that), or when it carries the
// API key, the admin key, or a client's token with scope need. With
// clients and no key, /health-check stays open, as it is without clients.
func (a *api) authorize(need clients.Scope, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		key := a.cfg.Key
		withClients := a.cfg.Clients != nil && a.cfg.Clients.Any()
		if key == "" && ((!withClients && !a.cfg.RequireCredentials) || r.URL.Path == "/health-check") {
			next.ServeHTTP(w, r)
			return
		}
		if hasKey(r, key) || hasKey(r, a.cfg.AdminKey) {
			next.ServeHTTP(w, r)
			return
		}
		if tok := bearer(r); a.cfg.Clients != nil && clients.IsToken(tok) {
			a.withToken(w, r, tok, need, next)
			return
		}
		w.Header().Set("WWW-Authenticate", `Bearer realm="sentrypeer"`)
		if key == "" {
			a.deny(w, r, http.StatusUnauthorized, "missing or wrong credentials: send a client's token (POST /oauth/token) as Authorization: Bearer TOKEN")
			return
		}
		a.deny(w, r, http.StatusUnauthorized, "missing or wrong API key")
	})
}

// requireClient lets through only requests with a client's token of scope
// need: what they do is attributed to the client.
func (a *api) requireClient(need clients.Scope, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if tok := bearer(r); a.cfg.Clients != nil && clients.IsToken(tok) {
			a.withToken(w, r, tok, need, next)
			return
		}
		w.Header().Set("WWW-Authenticate", `Bearer realm="sentrypeer"`)
		a.deny(w, r, http.StatusUnauthorized, "this needs a client's token with scope "+need.String()+
			" (sentrypeer clients add NAME --scope "+need.String()+", then POST /oauth/token)")
	})
}

func (a *api) withToken(w http.ResponseWriter, r *http.Request, tok string, need clients.Scope, next http.Handler) {
	c, ok := a.cfg.Clients.Verify(tok)
	if !ok {
		w.Header().Set("WWW-Authenticate", `Bearer realm="sentrypeer", error="invalid_token"`)
		a.deny(w, r, http.StatusUnauthorized, "invalid or expired token")
		return
	}
	if c.Scope&need != need {
		w.Header().Set("WWW-Authenticate", `Bearer realm="sentrypeer", error="insufficient_scope", scope="`+need.String()+`"`)
		a.deny(w, r, http.StatusForbidden, "the client's scope does not include "+need.String())
		return
	}
	if ok, wait := a.cfg.Clients.Allow(c.ID); !ok {
		tooMany(w, r, wait)
		return
	}
	next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), clientKey{}, c)))
}

// tooMany answers 429 with Retry-After in whole seconds, at least 1.
func tooMany(w http.ResponseWriter, r *http.Request, wait time.Duration) {
	w.Header().Set("Retry-After", strconv.Itoa(max(1, int(math.Ceil(wait.Seconds())))))
	const why = "too many requests from this client; retry after Retry-After seconds"
	if strings.HasPrefix(r.URL.Path, "/api/v1/") {
		writeJSON(w, http.StatusTooManyRequests, apiError{Error: why})
		return
	}
	writeJSON(w, http.StatusTooManyRequests, message{why})
}

// methodNotAllowedMessage answers 405 in the original's shape, for
// routes outside /api/v1/ that take other methods than GET.
func methodNotAllowedMessage(allow string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Allow", allow)
		writeJSON(w, http.StatusMethodNotAllowed, message{"method not allowed"})
	})
}

// deny answers an authorisation failure as every 401 has been answered:
// the original's {"message"}.
func (a *api) deny(w http.ResponseWriter, _ *http.Request, code int, why string) {
	writeJSON(w, code, message{why})
}
