package httpapi

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
)

// message is the original SentryPeer's error and not-found body.
type message struct {
	Message string `json:"message"`
}

// apiError is the body of every /api/v1/ error.
type apiError struct {
	Error     string `json:"error"`
	Parameter string `json:"parameter,omitempty"`
}

// badParam answers 400 naming the parameter at fault.
func badParam(w http.ResponseWriter, param, problem string) {
	if param == "" {
		param = "(empty name)" // "?=x": still named, so that clients can tell
	}
	writeJSON(w, http.StatusBadRequest, apiError{Error: param + ": " + problem, Parameter: param})
}

// readFailed answers a failed read of the store and reports whether there
// was one: 503 past the deadline (with how to narrow the request), nothing
// when the client has gone, 500 otherwise.
func readFailed(w http.ResponseWriter, err error, what, narrow string) bool {
	switch {
	case err == nil:
		return false
	case errors.Is(err, context.DeadlineExceeded):
		writeJSON(w, http.StatusServiceUnavailable, apiError{Error: "the request took too long; " + narrow})
	case errors.Is(err, context.Canceled):
		// the client has gone
	default:
		writeJSON(w, http.StatusInternalServerError, apiError{Error: "reading " + what + " failed"})
	}
	return true
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	json.NewEncoder(w).Encode(v)
}

// writeIndented writes v as the original did: indented by two spaces.
func writeIndented(w http.ResponseWriter, code int, v any) {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		writeJSON(w, http.StatusInternalServerError, message{"encoding the answer failed"})
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	w.Write(append(b, '\n'))
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

// hasKey reports whether r carries key ("" never matches), as
// "Authorization: Bearer KEY" or "X-Api-Key: KEY", compared in constant
// time.
func hasKey(r *http.Request, key string) bool {
	if key == "" {
		return false
	}
	got := r.Header.Get("X-Api-Key")
	if auth, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok {
		got = strings.TrimSpace(auth)
	}
	return subtle.ConstantTimeCompare([]byte(got), []byte(key)) == 1
}
