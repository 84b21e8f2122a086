//go:build lite

package httpapi

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

// fuzzReports is the Reports of FuzzQuery's fixture: lite builds have none.
func fuzzReports() Reports { return nil }

// TestLiteRoutes: a lite build answers /api/v1/peers as a node that does
// not share, and has no /api/v1/reports, /api/v1/bgp or /metrics.
func TestLiteRoutes(t *testing.T) {
	h := New(Config{})
	for _, c := range []struct {
		path string
		code int
		body string
	}{
		{"/api/v1/peers", 200, `{"sharing":false,"addrs":[],"peers":[]}` + "\n"},
		{"/api/v1/peers?x=1", 400, ""},
		{"/api/v1/reports/ip/192.0.2.1", 404, ""},
		{"/api/v1/bgp", 404, ""},
		{"/metrics", 404, ""},
	} {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, c.path, nil))
		if w.Code != c.code || (c.body != "" && w.Body.String() != c.body) {
			t.Errorf("GET %s: %d %q, want %d %q", c.path, w.Code, w.Body, c.code, c.body)
		}
	}
}
