package integration

import (
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sentrypeer/sentrypeer/internal/webhook"
)

// hookReceiver is a webhook receiver on 127.0.0.1 that the test can take
// down and bring back on the same address. answer decides each POST's
// status; bodies answered 2xx are kept in order.
type hookReceiver struct {
	t      *testing.T
	addr   string
	secret string // when set, every POST must be signed with it

	mu       sync.Mutex
	srv      *http.Server
	answer   func(r *http.Request) int
	got      []map[string]any
	requests int
	tokens   []map[string]string // token requests' bodies
	issued   int
	valid    string // the token /hook accepts
}

func newHookReceiver(t *testing.T, answer func(r *http.Request) int) *hookReceiver {
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	rx := &hookReceiver{t: t, addr: ln.Addr().String(), answer: answer}
	rx.serve(ln)
	t.Cleanup(rx.down)
	return rx
}

func (rx *hookReceiver) url() string { return "http://" + rx.addr + "/hook" }

func (rx *hookReceiver) serve(ln net.Listener) {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /hook", rx.hook)
	mux.HandleFunc("POST /oauth/token", rx.token)
	srv := &http.Server{Handler: mux}
	rx.mu.Lock()
	rx.srv = srv
	rx.mu.Unlock()
	go srv.Serve(ln)
}

// down closes the listener and every connection: the receiver is gone.
func (rx *hookReceiver) down() {
	rx.mu.Lock()
	srv := rx.srv
	rx.srv = nil
	rx.mu.Unlock()
	if srv != nil {
		srv.Close()
	}
}

// up listens again on the same address.
func (rx *hookReceiver) up() {
	var ln net.Listener
	var err error
	for range 50 {
		if ln, err = net.Listen("tcp4", rx.addr); err == nil {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err != nil {
		rx.t.Fatalf("listening again on %s: %v", rx.addr, err)
	}
	rx.serve(ln)
}

func (rx *hookReceiver) setAnswer(f func(r *http.Request) int) {
	rx.mu.Lock()
	rx.answer = f
	rx.mu.Unlock()
}

func (rx *hookReceiver) hook(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	if rx.secret != "" && !webhook.Verify(rx.secret, r.Header.Get(webhook.TimestampHeader), body, r.Header.Get(webhook.SignatureHeader)) {
		rx.t.Errorf("POST not signed: %v", r.Header)
	}
	if ct, ua := r.Header.Get("Content-Type"), r.Header.Get("User-Agent"); ct != "application/json" || !strings.HasPrefix(ua, "SentryPeer/") {
		rx.t.Errorf("Content-Type %q, User-Agent %q", ct, ua)
	}
	rx.mu.Lock()
	rx.requests++
	answer, valid := rx.answer, rx.valid
	rx.mu.Unlock()
	status := http.StatusOK
	if valid != "" && r.Header.Get("Authorization") != "Bearer "+valid {
		status = http.StatusUnauthorized
	} else if answer != nil {
		status = answer(r)
	}
	if status == http.StatusServiceUnavailable {
		w.Header().Set("Retry-After", "1")
	}
	if status/100 == 2 {
		var m map[string]any
		if err := json.Unmarshal(body, &m); err != nil {
			rx.t.Errorf("body %q: %v", body, err)
		}
		rx.mu.Lock()
		rx.got = append(rx.got, m)
		rx.mu.Unlock()
	}
	w.WriteHeader(status)
}

func (rx *hookReceiver) token(w http.ResponseWriter, r *http.Request) {
	var m map[string]string
	if err := json.NewDecoder(r.Body).Decode(&m); err != nil {
		http.Error(w, "want JSON", http.StatusBadRequest)
		return
	}
	rx.mu.Lock()
	rx.tokens = append(rx.tokens, m)
	rx.issued++
	tok := fmt.Sprintf("tok-%d", rx.issued)
	rx.valid = tok
	rx.mu.Unlock()
	json.NewEncoder(w).Encode(map[string]any{"access_token": tok, "expires_in": 86400, "token_type": "Bearer"})
}

func (rx *hookReceiver) received() []map[string]any {
	rx.mu.Lock()
	defer rx.mu.Unlock()
	return slices.Clone(rx.got)
}

func (rx *hookReceiver) count() int {
	rx.mu.Lock()
	defer rx.mu.Unlock()
	return rx.requests
}

// uuids returns the event_uuid of each received event, in order.
func uuids(evs []map[string]any) []string {
	out := make([]string, len(evs))
	for i, e := range evs {
		out[i], _ = e["event_uuid"].(string)
	}
	return out
}

// queuedEver reads how many events the daemon ever put in its webhook
// outbox (the AUTOINCREMENT sequence), while it runs.
func queuedEver(t *testing.T, dataDir string) int {
	t.Helper()
	path := filepath.Join(dataDir, "webhook.db")
	if _, err := os.Stat(path); err != nil {
		return 0
	}
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro&_pragma=busy_timeout(2000)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n int
	if err := db.QueryRow(`SELECT seq FROM sqlite_sequence WHERE name = 'outbox'`).Scan(&n); err != nil && !errors.Is(err, sql.ErrNoRows) {
		return 0 // the table may not be there yet
	}
	return n
}

// TestWebhookOutage: the receiver answers 503 with Retry-After: 1 for a
// while, then is down, then comes back: every event arrives exactly once,
// in the order the JSON log has them, signed, without the raw message and
// the honeypot's address.
func TestWebhookOutage(t *testing.T) {
	const secret = "integration-test-secret"
	rx := newHookReceiver(t, func(*http.Request) int { return http.StatusServiceUnavailable })
	rx.secret = secret
	d := start(t, "", "-w", rx.url(), "--webhook-secret", secret)
	sendUDP(t, d.addr, 0, 20)
	waitFor(t, "503s", 10*time.Second, func() bool { return rx.count() >= 2 })
	rx.down()
	sendUDP(t, d.addr, 20, 20)
	waitFor(t, "40 events queued", 10*time.Second, func() bool { return queuedEver(t, d.dataDir) == 40 })
	time.Sleep(2 * time.Second) // the daemon meets a closed port
	rx.setAnswer(nil)
	rx.up()
	waitFor(t, "40 events delivered", 30*time.Second, func() bool { return len(rx.received()) >= 40 })
	d.stop()
	got := rx.received()
	var want []string
	for _, l := range d.jsonLog() {
		want = append(want, l["event_uuid"].(string))
	}
	if len(want) != 40 {
		t.Fatalf("JSON log has %d events, want 40", len(want))
	}
	if !slices.Equal(uuids(got), want) {
		t.Fatalf("received, by event_uuid:\n%v\nwant, in the JSON log's order:\n%v", uuids(got), want)
	}
	for _, e := range got {
		if len(e) != 13 || e["sip_message"] != "" || e["destination_ip"] != "" || e["source_ip"] != "127.0.0.1" {
			t.Fatalf("event %v: want the original's 13 keys, sip_message and destination_ip empty", e)
		}
	}
	if log := d.log(); !strings.Contains(log, "webhook delivering again") || !strings.Contains(log, "webhook delivery failed") {
		t.Errorf("log does not tell of the outage and the recovery:\n%s", log)
	}
}

// TestWebhookSIGKILL: kill -9 of the daemon mid-delivery, restart on the
// same data folder: every event arrives at least once.
func TestWebhookSIGKILL(t *testing.T) {
	const n = 300
	rx := newHookReceiver(t, func(*http.Request) int { time.Sleep(10 * time.Millisecond); return http.StatusOK })
	d := start(t, "", "-w", rx.url())
	sendUDP(t, d.addr, 0, n)
	waitFor(t, "every event queued", 20*time.Second, func() bool { return queuedEver(t, d.dataDir) == n })
	waitFor(t, "delivery under way", 20*time.Second, func() bool { return len(rx.received()) >= 20 })
	if err := d.cmd.Process.Signal(os.Kill); err != nil { // SIGKILL, by PID
		t.Fatal(err)
	}
	<-d.exited
	before := len(rx.received())
	if before >= n {
		t.Fatalf("all %d delivered before the kill; slow the receiver", before)
	}
	d2 := start(t, d.dataDir, "-w", rx.url())
	waitFor(t, "every event delivered", 40*time.Second, func() bool {
		seen := map[string]bool{}
		for _, e := range rx.received() {
			seen[e["called_number"].(string)] = true
		}
		return len(seen) == n
	})
	d2.stop()
	got := rx.received()
	distinct := map[string]bool{}
	for _, id := range uuids(got) {
		distinct[id] = true
	}
	t.Logf("killed after %d of %d delivered; %d POSTs in all, %d duplicates", before, n, len(got), len(got)-len(distinct))
	if len(distinct) != n {
		t.Errorf("%d distinct events, want %d", len(distinct), n)
	}
}

// TestWebhookOAuth2: -i and -c get a token from the token URL by client
// credentials; it is reused, and renewed once the receiver answers 401.
func TestWebhookOAuth2(t *testing.T) {
	rx := newHookReceiver(t, nil)
	d := start(t, "", "-w", rx.url(), "-i", "node-client", "-c", "node-secret",
		"--oauth2-token-url", "http://"+rx.addr+"/oauth/token", "--oauth2-audience", "https://example.test/api")
	sendUDP(t, d.addr, 0, 5)
	waitFor(t, "5 events", 15*time.Second, func() bool { return len(rx.received()) == 5 })
	rx.mu.Lock()
	if rx.issued != 1 {
		t.Errorf("%d tokens for 5 POSTs, want 1, reused", rx.issued)
	}
	rx.valid = "revoked" // the receiver now answers 401 to tok-1
	rx.mu.Unlock()
	sendUDP(t, d.addr, 5, 5)
	waitFor(t, "10 events", 15*time.Second, func() bool { return len(rx.received()) == 10 })
	d.stop()
	rx.mu.Lock()
	defer rx.mu.Unlock()
	if rx.issued != 2 {
		t.Errorf("%d tokens, want 2: one, and one after the 401", rx.issued)
	}
	want := map[string]string{"client_id": "node-client", "client_secret": "node-secret", "audience": "https://example.test/api", "grant_type": "client_credentials"}
	for _, b := range rx.tokens {
		if fmt.Sprint(b) != fmt.Sprint(want) {
			t.Errorf("token request %v, want %v", b, want)
		}
	}
	if strings.Contains(d.log(), "node-secret") {
		t.Error("the client secret is in the log")
	}
}

// TestWebhookSettings: OAuth2 needs both -i and -c, and -w; without -w
// nothing is queued or posted.
func TestWebhookSettings(t *testing.T) {
	for _, args := range [][]string{
		{"-w", "http://127.0.0.1:9/hook", "-i", "id"},
		{"-w", "http://127.0.0.1:9/hook", "-c", "secret"},
		{"-i", "id", "-c", "secret"},
		{"-w", "ftp://example.test/"},
	} {
		cmd := exec.Command(binary, append([]string{"--data-dir", t.TempDir()}, args...)...)
		out, err := cmd.CombinedOutput()
		if err == nil || !strings.Contains(string(out), "invalid") {
			t.Errorf("%v: err %v, output %q; want a config error", args, err, out)
		}
	}
	d := start(t, "")
	sendUDP(t, d.addr, 0, 3)
	waitFor(t, "3 events", 10*time.Second, func() bool { return len(d.jsonLog()) == 3 })
	d.stop()
	if _, err := os.Stat(filepath.Join(d.dataDir, "webhook.db")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("webhook.db exists without -w: %v", err)
	}
	if strings.Contains(d.log(), "webhook on") {
		t.Error("the webhook runs without -w")
	}
}
