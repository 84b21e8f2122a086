//go:build lite

package apiclient

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// TestLiteRefusesHTTPS: the lite transport speaks plain HTTP only.
func TestLiteRefusesHTTPS(t *testing.T) {
	_, err := New(Config{BaseURL: "https://127.0.0.1:1"})
	if err == nil || !strings.Contains(err.Error(), "https://: not in this build (lite)") {
		t.Errorf("err %v", err)
	}
}

// TestLiteDeadlines: the timeout bounds only the wait for the headers of a
// streamed reply, which may pause longer; it bounds the whole of a reply
// read whole.
func TestLiteDeadlines(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "a")
		w.(http.Flusher).Flush()
		time.Sleep(300 * time.Millisecond)
		io.WriteString(w, "b")
	}))
	defer srv.Close()
	c, err := New(Config{BaseURL: srv.URL, Timeout: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := c.doer.(dialer); !ok {
		t.Fatalf("doer %T, want the lite dialer", c.doer)
	}
	list, err := c.Export(t.Context(), ExportQuery{})
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(list)
	list.Close()
	if string(b) != "ab" || err != nil {
		t.Errorf("a pause after the headers: %q, %v; want ab", b, err)
	}
	_, err = c.call(t.Context(), &request{method: http.MethodGet, path: "/"})
	if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "timeout") {
		t.Errorf("whole exchange over its timeout: %v, want a timeout", err)
	}
}
