package integration

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"
)

func get(t *testing.T, url string, header ...string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	c := &http.Client{Timeout: 10 * time.Second}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestAPIHealthAndMetrics: the original /health-check, and Prometheus
// counters that follow the probes sent.
func TestAPIHealthAndMetrics(t *testing.T) {
	requireFull(t, "/metrics")
	d := start(t, "")
	code, body := get(t, d.api+"/health-check", "Accept", "application/json")
	var h map[string]string
	if code != 200 || json.Unmarshal([]byte(body), &h) != nil || h["status"] != "OK" || h["message"] != "Hello from SentryPeer!" {
		t.Fatalf("health-check: %d %s", code, body)
	}
	sendUDP(t, d.addr, 0, 25)
	want := regexp.MustCompile(`(?m)^sentrypeer_probes_total\{method="OPTIONS",transport="udp"\} 25$`)
	waitFor(t, "25 probes in /metrics", 10*time.Second, func() bool {
		_, body = get(t, d.api+"/metrics")
		return want.MatchString(body)
	})
	for _, name := range []string{"sentrypeer_sink_events_dropped_total", "sentrypeer_store_events_stored_total", "sentrypeer_sink_queue_depth", "sentrypeer_api_requests_total"} {
		if !strings.Contains(body, name) {
			t.Errorf("/metrics lacks %s", name)
		}
	}
	if code, _ := get(t, d.api+"/no-such-path"); code != 404 {
		t.Errorf("unknown path: %d", code)
	}
	d.stop()
}

// TestAPIKeyRequiredOffLoopback: a public API without a key refuses to
// start; with one, requests need it.
func TestAPIKeyRequiredOffLoopback(t *testing.T) {
	cmd := exec.Command(binary, "--data-dir", t.TempDir(), "--sip-listen", fmt.Sprintf("127.0.0.1:%d", freePort(t)), "--api-listen", "0.0.0.0:0")
	cmd.Env = []string{"PATH=" + os.Getenv("PATH")}
	out, err := cmd.CombinedOutput()
	if err == nil || !strings.Contains(string(out), "needs an API key") {
		t.Fatalf("started without a key: %v %s", err, out)
	}
	const key = "it-key-0123456789abcdef"
	d := start(t, "", "--api-key", key)
	if code, _ := get(t, d.api+"/health-check"); code != 401 {
		t.Errorf("no key: %d, want 401", code)
	}
	if code, _ := get(t, d.api+"/health-check", "Authorization", "Bearer "+key); code != 200 {
		t.Errorf("bearer key: %d, want 200", code)
	}
	// Scrapers send the key too; a lite build has no /metrics.
	keyed := "/metrics"
	if liteBinary {
		keyed = "/api/v1/stats"
	}
	if code, _ := get(t, d.api+keyed, "X-Api-Key", key); code != 200 {
		t.Errorf("X-Api-Key: %d, want 200", code)
	}
	d.stop()
}
