// Package httpapi is the local HTTP API. This version serves the original
// SentryPeer's /health-check and the Prometheus /metrics; the event and
// bad-actor endpoints come with the API issue.
//
// With a key configured, every request must carry it as
// "Authorization: Bearer KEY" or "X-Api-Key: KEY"; keys are compared in
// constant time.
package httpapi

import (
	"crypto/subtle"
	"encoding/json"
	"net/http"
	"strings"
	"time"
)

// Config configures [New].
type Config struct {
	// Key, when set, is required of every request.
	Key string
	// Version is reported by /health-check.
	Version string
	// Metrics serves /metrics; nil leaves the route out.
	Metrics http.Handler
	// Instrument wraps each route's handler, e.g. to count requests; nil
	// leaves handlers as they are.
	Instrument func(route string, h http.Handler) http.Handler
}

// New returns the API's handler.
func New(cfg Config) http.Handler {
	mux := http.NewServeMux()
	// get serves route for GET (and HEAD) and answers 405 to other methods.
	get := func(route string, h http.Handler) {
		if cfg.Instrument != nil {
			h = cfg.Instrument(route, h)
		}
		mux.Handle("GET "+route, h)
		mux.Handle(route, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Allow", "GET, HEAD")
			writeJSON(w, http.StatusMethodNotAllowed, message{"method not allowed"})
		}))
	}
	get("/health-check", healthCheck(cfg.Version))
	if cfg.Metrics != nil {
		get("/metrics", cfg.Metrics)
	}
	handle := func(pattern, route string, h http.Handler) {
		if cfg.Instrument != nil {
			h = cfg.Instrument(route, h)
		}
		mux.Handle(pattern, h)
	}
	handle("/", "other", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusNotFound, message{"Not Found"})
	}))
	var h http.Handler = mux
	if cfg.Key != "" {
		h = requireKey(cfg.Key, h)
	}
	return h
}

// Server returns an http.Server for h with timeouts, so that a slow or
// hostile client cannot hold connections open.
func Server(h http.Handler) *http.Server {
	return &http.Server{
		Handler:           http.TimeoutHandler(h, 10*time.Second, `{"message": "timeout"}`),
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       10 * time.Second,
		WriteTimeout:      15 * time.Second,
		IdleTimeout:       60 * time.Second,
		MaxHeaderBytes:    16 << 10,
	}
}

type message struct {
	Message string `json:"message"`
}

// healthCheck answers as the original did: JSON when asked for, else a
// short HTML page.
func healthCheck(version string) http.Handler {
	type health struct {
		Status  string `json:"status"`
		Message string `json:"message"`
		Version string `json:"version"`
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.Contains(r.Header.Get("Accept"), "application/json") && !strings.Contains(r.Header.Get("Content-Type"), "application/json") {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			w.Write([]byte("<html><body><h1>Hello from SentryPeer!</h1><h2>All is well!</h2></body></html>"))
			return
		}
		writeJSON(w, http.StatusOK, health{Status: "OK", Message: "Hello from SentryPeer!", Version: version})
	})
}

func requireKey(key string, next http.Handler) http.Handler {
	want := []byte(key)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got := r.Header.Get("X-Api-Key")
		if auth, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok {
			got = strings.TrimSpace(auth)
		}
		if subtle.ConstantTimeCompare([]byte(got), want) != 1 {
			w.Header().Set("WWW-Authenticate", `Bearer realm="sentrypeer"`)
			writeJSON(w, http.StatusUnauthorized, message{"missing or wrong API key"})
			return
		}
		next.ServeHTTP(w, r)
	})
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	json.NewEncoder(w).Encode(v)
}
