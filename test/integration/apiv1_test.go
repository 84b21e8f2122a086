package integration

import (
	"bufio"
	"bytes"
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

func getJSON(t *testing.T, url string, v any) int {
	t.Helper()
	code, body := get(t, url)
	if err := json.Unmarshal([]byte(body), v); err != nil {
		t.Fatalf("GET %s: %d, not JSON: %v\n%s", url, code, err, body)
	}
	return code
}

type checkAnswer struct {
	Bad   bool  `json:"bad"`
	Count int64 `json:"count"`
}

// TestAPIAfterSIPp: probes sent with sipp are in every answer of the API,
// the index survives a restart, and paging returns each event once.
func TestAPIAfterSIPp(t *testing.T) {
	dataDir := t.TempDir()
	d := start(t, dataDir)
	const n = 50
	sipp(t, d, "invite.xml", "u1", n, 200)
	var c checkAnswer
	waitFor(t, "the index to hold the probes", 10*time.Second, func() bool {
		getJSON(t, d.api+"/api/v1/check/ip/127.0.0.1", &c)
		return c.Count == n
	})
	if !c.Bad {
		t.Errorf("127.0.0.1: %+v, want bad", c)
	}
	// The store writes every flush interval, the index at once.
	waitFor(t, "the store to hold the probes", 10*time.Second, func() bool {
		var page struct{ Events []any }
		getJSON(t, d.api+"/api/v1/events?limit=1000", &page)
		return len(page.Events) == n
	})
	checks := []struct {
		path string
		code int
		want string
	}{
		{"/api/v1/check/number/009725977", 200, `"bad":true`},
		{"/api/v1/check/number/0097259799999", 200, `"bad":false`},
		{"/api/v1/check/ip/127.0.0.2", 200, `"bad":false`},
		{"/ip-addresses", 200, `"ip_addresses_total": 1`},
		{"/ip-addresses/127.0.0.1", 200, `"bad_actor_found": "127.0.0.1"`},
		{"/numbers/009725977", 200, `"phone_number_found": "009725977"`},
		{"/numbers/123456", 404, `"No phone number found"`},
		{"/api/v1/numbers?sort=number&order=asc&limit=1", 200, `"total":50,"numbers":[{"number":"009725971"`},
		{"/api/v1/stats", 200, `"top_user_agents":[{"value":"sipcli/v1.8","count":50}]`},
		{"/api/v1/export?format=txt", 200, "127.0.0.1\n"},
	}
	for _, ch := range checks {
		if code, body := get(t, d.api+ch.path); code != ch.code || !strings.Contains(body, ch.want) {
			t.Errorf("GET %s: %d %s\nwant %d containing %s", ch.path, code, body, ch.code, ch.want)
		}
	}

	// Cursor paging through the events of one number prefix.
	seen := map[string]bool{}
	next := ""
	for pages := 0; pages < 20; pages++ {
		var page struct {
			Events []struct {
				ID     string `json:"id"`
				Number string `json:"called_number"`
			} `json:"events"`
			NextCursor string `json:"next_cursor"`
		}
		getJSON(t, d.api+"/api/v1/events?number_prefix=00972597&method=invite&limit=7&cursor="+next, &page)
		for _, e := range page.Events {
			if seen[e.ID] || !strings.HasPrefix(e.Number, "00972597") {
				t.Fatalf("event %+v repeated or off the filter", e)
			}
			seen[e.ID] = true
		}
		if next = page.NextCursor; next == "" {
			break
		}
	}
	if len(seen) != n {
		t.Errorf("paging gave %d events, want %d", len(seen), n)
	}
	d.stop()

	// After a restart, the index is loaded from the store.
	d = start(t, dataDir)
	waitFor(t, "the index to load", 10*time.Second, func() bool {
		getJSON(t, d.api+"/api/v1/check/ip/127.0.0.1", &c)
		return c.Count == n
	})
	d.stop()
}

// TestAPIStream: a client of /api/v1/events/stream gets probes as they
// arrive.
func TestAPIStream(t *testing.T) {
	d := start(t, "")
	resp, err := http.Get(d.api + "/api/v1/events/stream")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	lines := make(chan string, 100)
	go func() {
		s := bufio.NewScanner(resp.Body)
		for s.Scan() {
			lines <- s.Text()
		}
		close(lines)
	}()
	sipp(t, d, "options.xml", "u1", 5, 50)
	got := 0
	timeout := time.After(10 * time.Second)
	for got < 5 {
		select {
		case l, ok := <-lines:
			if !ok {
				t.Fatalf("stream ended after %d events", got)
			}
			if strings.HasPrefix(l, "data: ") && strings.Contains(l, `"method":"OPTIONS"`) {
				got++
			}
		case <-timeout:
			t.Fatalf("%d of 5 events streamed in 10 s", got)
		}
	}
	d.stop() // also ends the stream, instead of holding up shutdown
}

// TestExportLoadsIntoFirewalls feeds the nft and ipset exports to the real
// tools, in a network namespace of their own.
func TestExportLoadsIntoFirewalls(t *testing.T) {
	nft, ipset, unshare := requirePeer(t, "nft"), requirePeer(t, "ipset"), requirePeer(t, "unshare")
	d := start(t, "")
	sendUDP(t, d.addr, 0, 3)
	waitFor(t, "the probes to be indexed", 10*time.Second, func() bool {
		var c checkAnswer
		getJSON(t, d.api+"/api/v1/check/ip/127.0.0.1", &c)
		return c.Bad
	})
	dir := t.TempDir()
	for _, f := range []struct{ format, check string }{
		{"nft", nft + " -f NFT && " + nft + " list set inet sentrypeer bad_ipv4 && " + nft + " -f NFT && " +
			nft + " add chain inet sentrypeer input '{ type filter hook input priority -10; }' && " +
			nft + " add rule inet sentrypeer input ip saddr @bad_ipv4 drop && " + nft + " add rule inet sentrypeer input ip6 saddr @bad_ipv6 drop && " +
			nft + " -f NFT"},
		{"ipset", ipset + " restore < IPSET && " + ipset + " list sentrypeer-v4 && " + ipset + " restore < IPSET && " + ipset + " destroy"},
	} {
		code, body := get(t, d.api+"/api/v1/export?format="+f.format)
		if code != 200 {
			t.Fatalf("export %s: %d %s", f.format, code, body)
		}
		path := filepath.Join(dir, f.format)
		if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		script := strings.ReplaceAll(strings.ReplaceAll(f.check, "NFT", path), "IPSET", path)
		// Loading twice checks that a script replaces what it loaded before.
		out, err := run(t, 20*time.Second, unshare, "-n", "sh", "-c", script)
		if err != nil || !strings.Contains(out, "127.0.0.1") {
			t.Errorf("loading the %s export: %v\n%s\nscript:\n%s", f.format, err, out, body)
		}
	}
	d.stop()
}

// TestCLI runs the client subcommands against a real daemon.
func TestCLI(t *testing.T) {
	d := start(t, "")
	sipp(t, d, "invite.xml", "u1", 5, 100)
	waitFor(t, "the probes to be indexed and stored", 10*time.Second, func() bool {
		var page struct{ Events []any }
		getJSON(t, d.api+"/api/v1/events", &page)
		return len(page.Events) == 5
	})
	api := strings.TrimPrefix(d.api, "http://")
	tests := []struct {
		args []string
		code int
		want string
	}{
		{[]string{"check", "127.0.0.1"}, 0, "127.0.0.1"},
		{[]string{"check", "127.0.0.2"}, 1, "127.0.0.2"},
		{[]string{"check", "009725973"}, 0, "009725973"},
		{[]string{"check", "--json", "0044999"}, 1, `"bad": false`},
		{[]string{"ips"}, 0, "127.0.0.1"},
		{[]string{"numbers", "--sort", "number", "--order", "asc", "--json"}, 0, `"number": "009725971"`},
		{[]string{"export", "--format", "ipset"}, 0, "add sentrypeer-v4 127.0.0.1 -exist"},
		{[]string{"events", "--number", "009725975"}, 0, "sipcli/v1.8"},
		{[]string{"ips", "--sort", "bogus"}, 2, "sort"},
	}
	for _, tt := range tests {
		cmd := exec.Command(binary, tt.args...)
		cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "SENTRYPEER_API_LISTEN=" + api}
		out, _ := cmd.CombinedOutput()
		if code := cmd.ProcessState.ExitCode(); code != tt.code || !strings.Contains(string(out), tt.want) {
			t.Errorf("sentrypeer %s: exit %d\n%s\nwant exit %d containing %q", strings.Join(tt.args, " "), code, out, tt.code, tt.want)
		}
	}

	// events --follow prints what arrives, and stops on SIGINT.
	follow := exec.Command(binary, "events", "--follow", "--json", "--limit", "1")
	follow.Env = []string{"PATH=" + os.Getenv("PATH"), "SENTRYPEER_API_LISTEN=" + api}
	var out syncBuffer
	follow.Stdout, follow.Stderr = &out, &out
	if err := follow.Start(); err != nil {
		t.Fatal(err)
	}
	defer follow.Process.Kill()
	time.Sleep(500 * time.Millisecond)
	sipp(t, d, "options.xml", "u1", 3, 100)
	waitFor(t, "3 followed OPTIONS", 10*time.Second, func() bool { return strings.Count(out.String(), `"method":"OPTIONS"`) == 3 })
	follow.Process.Signal(os.Interrupt)
	if err := follow.Wait(); err != nil {
		t.Errorf("events --follow after SIGINT: %v\n%s", err, out.String())
	}
	d.stop()
}

// syncBuffer is a bytes.Buffer safe to write from a process's output
// copier while the test reads it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
