package metrics

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus/testutil"
)

func TestInstrument(t *testing.T) {
	m := New()
	ok := m.Instrument("/events", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "[]")
	}))
	missing := m.Instrument("/events/{ip}", http.NotFoundHandler())
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/events" {
			ok.ServeHTTP(w, r)
			return
		}
		missing.ServeHTTP(w, r)
	}))
	defer srv.Close()
	for _, path := range []string{"/events", "/events", "/events/192.0.2.1", "/events/192.0.2.2", "/events/192.0.2.3"} {
		res, err := srv.Client().Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, res.Body)
		res.Body.Close()
	}
	t.Run("requests", func(t *testing.T) {
		const want = `
# HELP sentrypeer_api_requests_total HTTP API requests, by route and status code.
# TYPE sentrypeer_api_requests_total counter
sentrypeer_api_requests_total{code="200",route="/events"} 2
sentrypeer_api_requests_total{code="404",route="/events/{ip}"} 3
`
		if err := testutil.CollectAndCompare(m.apiRequests, strings.NewReader(want)); err != nil {
			t.Error(err)
		}
	})
	t.Run("duration", func(t *testing.T) {
		// The route label stays the pattern: two series, not one per path.
		if n := testutil.CollectAndCount(m.apiDuration); n != 2 {
			t.Errorf("%d duration series, want 2", n)
		}
		body := scrape(t, m)
		for _, line := range []string{
			`sentrypeer_api_request_duration_seconds_count{route="/events"} 2`,
			`sentrypeer_api_request_duration_seconds_count{route="/events/{ip}"} 3`,
		} {
			if !strings.Contains(body, line+"\n") {
				t.Errorf("scrape lacks %q", line)
			}
		}
	})
	t.Run("lint", func(t *testing.T) {
		problems, err := testutil.CollectAndLint(m.apiRequests)
		if err != nil {
			t.Fatal(err)
		}
		more, err := testutil.CollectAndLint(m.apiDuration)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range append(problems, more...) {
			t.Errorf("lint: %s: %s", p.Metric, p.Text)
		}
	})
}

// TestInstrumentKeepsHijacker checks that the wrapper does not hide the
// optional interfaces of the ResponseWriter (a websocket upgrade needs
// http.Hijacker).
func TestInstrumentKeepsHijacker(t *testing.T) {
	m := New()
	h := m.Instrument("/ws", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hj, ok := w.(http.Hijacker)
		if !ok {
			http.Error(w, "no hijacker", http.StatusInternalServerError)
			return
		}
		c, buf, err := hj.Hijack()
		if err != nil {
			return
		}
		defer c.Close()
		buf.WriteString("HTTP/1.1 101 Switching Protocols\r\n\r\n")
		buf.Flush()
	}))
	srv := httptest.NewServer(h)
	defer srv.Close()
	c, err := net.Dial("tcp", srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	io.WriteString(c, "GET /ws HTTP/1.1\r\nHost: x\r\n\r\n")
	status, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(status, "HTTP/1.1 101") {
		t.Errorf("status line %q, want 101", status)
	}
}
