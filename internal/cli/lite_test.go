//go:build lite

package cli

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// TestLiteCommands: the subcommands of what lite builds leave out say so,
// and the lite client speaks plain HTTP only.
func TestLiteCommands(t *testing.T) {
	for _, name := range []string{"peers", "reports", "bgp", "bouncers"} {
		res := run(t, t.Context(), nil, name, "list")
		if res.code != ExitFailure || res.stderr != "sentrypeer "+name+": not in this build (lite); use the full build\n" {
			t.Errorf("%s: exit %d, stderr %q", name, res.code, res.stderr)
		}
	}
	res := run(t, t.Context(), nil, "ips", "--api", "https://127.0.0.1:1")
	if res.code != ExitFailure || !strings.Contains(res.stderr, "https://: not in this build (lite)") {
		t.Errorf("https API: exit %d, stderr %q", res.code, res.stderr)
	}
}

// TestLiteDialerDeadlines: the header timeout bounds only the wait for the
// headers; a streamed body may pause longer, and whole bounds everything.
func TestLiteDialerDeadlines(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "a")
		w.(http.Flusher).Flush()
		time.Sleep(300 * time.Millisecond)
		io.WriteString(w, "b")
	}))
	defer srv.Close()
	get := func(d dialer) (string, error) {
		req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, srv.URL, nil)
		resp, err := d.Do(req)
		if err != nil {
			return "", err
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		return string(b), err
	}
	if body, err := get(dialer{headers: 100 * time.Millisecond}); body != "ab" || err != nil {
		t.Errorf("a pause after the headers: %q, %v; want ab", body, err)
	}
	if _, err := get(dialer{whole: 100 * time.Millisecond, headers: 100 * time.Millisecond}); err == nil || !strings.Contains(err.Error(), "timeout") {
		t.Errorf("whole exchange over its timeout: %v, want a timeout", err)
	}
}
