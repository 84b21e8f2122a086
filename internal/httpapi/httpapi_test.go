package httpapi

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestRoutes(t *testing.T) {
	metrics := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("sentrypeer_up 1\n")) })
	h := New(Config{Version: "1.2.3", Metrics: metrics})
	tests := []struct {
		name, method, path, accept string
		code                       int
		body                       string
	}{
		{"health json", "GET", "/health-check", "application/json", 200, `"status":"OK"`},
		{"health html", "GET", "/health-check", "", 200, "All is well!"},
		{"metrics", "GET", "/metrics", "", 200, "sentrypeer_up 1"},
		{"unknown path", "GET", "/nope", "", 404, `"message":"Not Found"`},
		{"wrong method", "POST", "/health-check", "", 405, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest(tt.method, tt.path, nil)
			if tt.accept != "" {
				r.Header.Set("Accept", tt.accept)
			}
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			if w.Code != tt.code || !strings.Contains(w.Body.String(), tt.body) {
				t.Errorf("%s %s: %d %q, want %d containing %q", tt.method, tt.path, w.Code, w.Body, tt.code, tt.body)
			}
		})
	}
	r := httptest.NewRequest("GET", "/health-check", nil)
	r.Header.Set("Accept", "application/json")
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	var got map[string]string
	if err := json.Unmarshal(w.Body.Bytes(), &got); err != nil || got["version"] != "1.2.3" || got["message"] != "Hello from SentryPeer!" {
		t.Errorf("health-check JSON %v %v", got, err)
	}
}

func TestKey(t *testing.T) {
	const key = "0123456789abcdef0123"
	h := New(Config{Key: key})
	tests := []struct {
		name   string
		header [2]string
		code   int
	}{
		{"none", [2]string{}, 401},
		{"wrong bearer", [2]string{"Authorization", "Bearer nope"}, 401},
		{"prefix of key", [2]string{"X-Api-Key", key[:10]}, 401},
		{"bearer", [2]string{"Authorization", "Bearer " + key}, 200},
		{"x-api-key", [2]string{"X-Api-Key", key}, 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/health-check", nil)
			if tt.header[0] != "" {
				r.Header.Set(tt.header[0], tt.header[1])
			}
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			if w.Code != tt.code {
				t.Errorf("code %d, want %d", w.Code, tt.code)
			}
		})
	}
}
