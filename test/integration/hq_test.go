package integration

import (
	"bytes"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/sentrypeer/sentrypeer/internal/event"
)

// cgrates asks the API what CGRateS's *sentrypeer filter asks, the way it
// asks (engine/filterhelpers.go: GetSentryPeer, sentrypeerGetToken,
// sentrypeerHasData): a JSON POST of client_id, client_secret, audience
// and grant_type to the token URL; GET ips_url/IP or numbers_url/NUMBER
// with "Authorization: Bearer TOKEN"; on 401 or 403 a new token and one
// more try. 2xx means bad, 404 clean, anything else an error.
type cgrates struct {
	t                      *testing.T
	tokenURL, ips, numbers string
	id, secret             string
	token                  string
	fetches                int
}

var errCGRNotAuthorized = errors.New("NOT_AUTHORIZED")

func (c *cgrates) getToken() error {
	body, _ := json.Marshal(map[string]string{"client_id": c.id, "client_secret": c.secret,
		"audience": "https://sentrypeer.com/api", "grant_type": "client_credentials"})
	resp, err := http.Post(c.tokenURL, "application/json", bytes.NewReader(body))
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	var m struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&m); err != nil {
		return err
	}
	c.token = m.AccessToken
	c.fetches++
	return nil
}

func (c *cgrates) hasData(u string) (bool, int, error) {
	req, _ := http.NewRequest("GET", u, nil)
	req.Header.Add("Authorization", "Bearer "+c.token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return false, 0, err
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, resp.Body)
	switch {
	case resp.StatusCode == 401 || resp.StatusCode == 403:
		return false, resp.StatusCode, errCGRNotAuthorized
	case resp.StatusCode >= 200 && resp.StatusCode < 300:
		return true, resp.StatusCode, nil
	case resp.StatusCode == 404:
		return false, resp.StatusCode, nil
	}
	return false, resp.StatusCode, fmt.Errorf("sentrypeer api got err <%d>", resp.StatusCode)
}

// bad reports whether value is bad, and the last status seen.
func (c *cgrates) bad(kind, value string) (bool, int, error) {
	base := c.ips
	if kind == "number" {
		base = c.numbers
	}
	u, err := url.JoinPath(base, value)
	if err != nil {
		return false, 0, err
	}
	if c.token == "" {
		if err := c.getToken(); err != nil {
			return false, 0, err
		}
	}
	var bad bool
	var code int
	for range 2 {
		if bad, code, err = c.hasData(u); err != errCGRNotAuthorized {
			break
		}
		if err := c.getToken(); err != nil {
			return false, code, err
		}
	}
	return bad, code, err
}

func (c *cgrates) mustBe(kind, value string, wantBad bool) {
	c.t.Helper()
	bad, code, err := c.bad(kind, value)
	if err != nil || bad != wantBad {
		c.t.Errorf("%s %s: bad=%v (status %d), %v; want bad=%v", kind, value, bad, code, err, wantBad)
	}
}

// clientCLI runs sentrypeer clients against dataDir, as a separate process.
func clientCLI(t *testing.T, dataDir string, args ...string) map[string]any {
	t.Helper()
	cmd := exec.Command(binary, append(append([]string{"clients"}, args...), "--data-dir", dataDir, "--json")...)
	cmd.Env = []string{"PATH=" + os.Getenv("PATH")}
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("sentrypeer clients %v: %v\n%s", args, err, out)
	}
	var m map[string]any
	if err := json.Unmarshal(out, &m); err != nil {
		t.Fatalf("sentrypeer clients %v: %v\n%s", args, err, out)
	}
	return m
}

func newCGRates(t *testing.T, d *daemon, creds map[string]any) *cgrates {
	return &cgrates{t: t, tokenURL: d.api + "/oauth/token", ips: d.api + "/api/ip-addresses", numbers: d.api + "/api/phone-numbers",
		id: creds["client_id"].(string), secret: creds["client_secret"].(string)}
}

// waitToken waits for a client just added to be accepted (the daemon
// rereads clients.db every second).
func waitToken(t *testing.T, c *cgrates) {
	t.Helper()
	waitFor(t, "the new client's token", 5*time.Second, func() bool { return c.getToken() == nil && c.token != "" })
}

// postEvents posts the original's webhook events as reporter.
func postEvents(t *testing.T, c *cgrates, body string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest("POST", strings.TrimSuffix(c.tokenURL, "/oauth/token")+"/api/events", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+c.token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func webhookEvent(ip string) string {
	return fmt.Sprintf(`{"app_name":"sentrypeer","app_version":"4.0.4","event_timestamp":%q,"event_uuid":%q,
		"created_by_node_id":%q,"collected_method":"passive","transport_type":"UDP","source_ip":%q,"destination_ip":"",
		"called_number":"NOT_FOUND","sip_method":"OPTIONS","sip_user_agent":"friendly-scanner","sip_message":""}`,
		time.Now().UTC().Format("2006-01-02 15:04:05.000000000"), event.NewUUID(), event.NewUUID(), ip)
}

// TestHQCGRatesFilter drives the SentryPeerHQ-compatible API as CGRateS
// does, with clients added and deleted by the command line while the
// daemon runs.
func TestHQCGRatesFilter(t *testing.T) {
	requireFull(t, "--p2p-allow-private (lite builds refuse it)")
	d := start(t, "", "--p2p-allow-private")
	cg := newCGRates(t, d, clientCLI(t, d.dataDir, "add", "cgrates", "--scope", "read"))
	waitToken(t, cg)

	// A probe's called number becomes a decision: 200. The probe's source,
	// 127.0.0.1, never does (loopback is never blocked), so it is clean.
	sendUDP(t, d.addr, 4420790001, 1)
	waitFor(t, "the probed number to be bad", 10*time.Second, func() bool { bad, _, _ := cg.bad("number", "4420790001"); return bad })
	cg.mustBe("number", "+44 2079 0001", false) // another number once normalised
	cg.mustBe("number", "4420790002", false)
	cg.mustBe("number", "not-a-number", false)
	cg.mustBe("ip", "127.0.0.5", false)
	cg.mustBe("ip", "127.0.0.1", false)
	cg.mustBe("ip", "not-an-ip", false)

	// With a client and no API key, the rest of the API needs a credential.
	if resp, err := http.Get(d.api + "/api/v1/stats"); err != nil || resp.StatusCode != 401 {
		t.Errorf("GET /api/v1/stats without a token: %v %v; want 401", resp, err)
	}

	// Another client stays: with none left (and no key), the loopback API
	// would be open again, as it is without clients.
	clientCLI(t, d.dataDir, "add", "other")
	clientCLI(t, d.dataDir, "delete", "cgrates")
	waitFor(t, "the deleted client's token to be refused", 5*time.Second, func() bool {
		_, code, err := cg.bad("number", "4420790001")
		return code == 401 && errors.Is(err, errCGRNotAuthorized)
	})
	resp, err := http.Post(cg.tokenURL, "application/json", strings.NewReader(`{"grant_type":"client_credentials","client_id":"`+cg.id+`","client_secret":"`+cg.secret+`"}`))
	if err != nil || resp.StatusCode != 401 {
		t.Errorf("token for a deleted client: %v %v; want 401", resp, err)
	}
}

// TestHQReportedEvents posts the original's webhook events as API clients
// and checks that they count toward decisions as peers' reports do: a
// trusted client alone, else a quorum of two.
func TestHQReportedEvents(t *testing.T) {
	requireFull(t, "--p2p-allow-private (lite builds refuse it)")
	d := start(t, "", "--p2p-allow-private")
	reader := newCGRates(t, d, clientCLI(t, d.dataDir, "add", "reader"))
	trusty := newCGRates(t, d, clientCLI(t, d.dataDir, "add", "trusty", "--scope", "report", "--trusted"))
	r1 := newCGRates(t, d, clientCLI(t, d.dataDir, "add", "r1", "--scope", "report"))
	r2 := newCGRates(t, d, clientCLI(t, d.dataDir, "add", "r2", "--scope", "report"))
	for _, c := range []*cgrates{reader, trusty, r1, r2} {
		waitToken(t, c)
	}

	if code, out := postEvents(t, trusty, webhookEvent("203.0.113.10")); code != 201 || !strings.Contains(out, `"stored":1`) {
		t.Fatalf("trusted post: %d %s", code, out)
	}
	waitFor(t, "the trusted client's report to be a decision", 5*time.Second, func() bool { bad, _, _ := reader.bad("ip", "203.0.113.10"); return bad })

	ev := webhookEvent("203.0.113.20")
	if code, out := postEvents(t, r1, "["+ev+"]"); code != 201 || !strings.Contains(out, `"stored":1`) {
		t.Fatalf("first untrusted post: %d %s", code, out)
	}
	if code, out := postEvents(t, r1, ev); code != 201 || !strings.Contains(out, `"stored":0`) {
		t.Errorf("re-post: %d %s; want 201 with nothing stored", code, out)
	}
	if code, out := postEvents(t, r1, webhookEvent("203.0.113.20")); code != 201 || !strings.Contains(out, `"stored":1`) {
		t.Errorf("second event from the same client: %d %s", code, out)
	}
	time.Sleep(300 * time.Millisecond)
	reader.mustBe("ip", "203.0.113.20", false) // one client, however many events: no quorum
	if code, out := postEvents(t, r2, webhookEvent("203.0.113.20")); code != 201 {
		t.Fatalf("second client's post: %d %s", code, out)
	}
	waitFor(t, "two clients' reports to be a decision", 5*time.Second, func() bool { bad, _, _ := reader.bad("ip", "203.0.113.20"); return bad })

	if code, out := postEvents(t, r1, `{"event_uuid":"nope"}`); code != 400 || !strings.Contains(out, "event_uuid") {
		t.Errorf("bad event: %d %s; want 400 naming event_uuid", code, out)
	}
	if code, _ := postEvents(t, reader, webhookEvent("203.0.113.30")); code != 403 {
		t.Errorf("post with scope read: %d; want 403", code)
	}
	// The node's own probes are unaffected.
	if n := d.count(); n != 0 {
		t.Errorf("%d events stored as this node's probes; want 0", n)
	}

	// After a restart the stored reports are indexed again, and clients
	// fetch a new token on the 401 (the signing key is per start).
	d.stop()
	d2 := start(t, d.dataDir, "--p2p-allow-private")
	reader.tokenURL, reader.ips, reader.numbers = d2.api+"/oauth/token", d2.api+"/api/ip-addresses", d2.api+"/api/phone-numbers"
	before := reader.fetches
	reader.mustBe("ip", "203.0.113.20", true)
	if reader.fetches != before+1 {
		t.Errorf("token fetches after the restart: %d; want one more than %d", reader.fetches, before)
	}
	// The index loads what is stored after the API is up (docs/API.md:
	// partial answers until stats says ready), so its answer may come a
	// moment after the decision's.
	var last string
	indexed := func() bool {
		req, _ := http.NewRequest("GET", d2.api+"/api/v1/check/ip/203.0.113.20", nil)
		req.Header.Set("Authorization", "Bearer "+reader.token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			last = err.Error()
			return false
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		last = string(b)
		return strings.Contains(last, `"bad":true`) && strings.Contains(last, `"peer"`)
	}
	defer func() {
		if t.Failed() {
			t.Logf("the index's last answer: %s", last)
		}
	}()
	waitFor(t, "the index to hold the reported IP as bad, from peers, after the restart", 5*time.Second, indexed)
}

// TestHQClientsTLS: off loopback, the daemon refuses to start with neither
// a key nor a client, naming `sentrypeer clients add`; the API serves HTTPS
// with --api-tls-self-signed, and the client flow works over it.
func TestHQClientsTLS(t *testing.T) {
	cmd := exec.Command(binary, "--data-dir", t.TempDir(), "--sip-listen", fmt.Sprintf("127.0.0.1:%d", freePort(t)), "--api-listen", "0.0.0.0:0")
	cmd.Env = []string{"PATH=" + os.Getenv("PATH")}
	if out, err := cmd.CombinedOutput(); err == nil || !strings.Contains(string(out), "sentrypeer clients add") {
		t.Fatalf("started off loopback with neither key nor client: %v %s", err, out)
	} else if code := cmd.ProcessState.ExitCode(); code != 2 {
		t.Errorf("exit status %d off loopback with neither key nor client; want 2, as for a bad flag", code)
	}
	if liteBinary {
		t.Skip("lite builds have no certificate generator (--api-tls-self-signed)")
	}
	dir := t.TempDir()
	c := clientCLI(t, dir, "add", "tls-reader")
	d := start(t, dir, "--api-tls-self-signed")
	base := strings.Replace(d.api, "http://", "https://", 1)
	insecure := &http.Client{Transport: &http.Transport{TLSClientConfig: tlsInsecure()}}
	body, _ := json.Marshal(map[string]string{"grant_type": "client_credentials", "client_id": c["client_id"].(string), "client_secret": c["client_secret"].(string)})
	resp, err := insecure.Post(base+"/oauth/token", "application/json", bytes.NewReader(body))
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("token over HTTPS: %v %v", resp, err)
	}
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	json.NewDecoder(resp.Body).Decode(&tok)
	resp.Body.Close()
	req, _ := http.NewRequest("GET", base+"/api/ip-addresses/127.0.0.9", nil)
	req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
	if resp, err := insecure.Do(req); err != nil || resp.StatusCode != 404 {
		t.Errorf("lookup over HTTPS: %v %v; want 404", resp, err)
	}
	if resp, err := http.Get(d.api + "/health-check"); err == nil && resp.StatusCode == 200 {
		t.Error("the API answered plain HTTP with --api-tls-self-signed")
	}
}

func tlsInsecure() *tls.Config { return &tls.Config{InsecureSkipVerify: true} }

// TestHQTwoNodes: node A's webhook posts its probes to node B's
// /api/events with client credentials that `sentrypeer clients add` made
// on B, fetching its token from B's /oauth/token; B's checks then answer
// for A's attackers.
func TestHQTwoNodes(t *testing.T) {
	requireFull(t, "--p2p-allow-private (lite builds refuse it)")
	b := start(t, "", "--p2p-allow-private", "--no-share")
	creds := clientCLI(t, b.dataDir, "add", "node-a", "--scope", "report", "--trusted")
	reader := newCGRates(t, b, clientCLI(t, b.dataDir, "add", "reader"))
	waitToken(t, reader)
	a := start(t, "", "--no-share", "-w", b.api+"/api/events",
		"-i", creds["client_id"].(string), "-c", creds["client_secret"].(string),
		"--oauth2-token-url", b.api+"/oauth/token")

	const number = 4420791111
	sendUDP(t, a.addr, number, 3)
	waitFor(t, "B to answer for A's attacker", 15*time.Second, func() bool {
		bad, _, _ := reader.bad("number", fmt.Sprint(number))
		return bad
	})
	req, _ := http.NewRequest("GET", fmt.Sprintf("%s/api/v1/check/number/%d", b.api, number), nil)
	req.Header.Set("Authorization", "Bearer "+reader.token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(body), `"bad":true`) || !strings.Contains(string(body), `"peer"`) {
		t.Errorf("B's check of A's number: %s; want bad, from a peer", body)
	}
	reader.mustBe("number", fmt.Sprint(number+10), false)
	// A's probes are A's: B stored none as its own.
	if n := b.count(); n != 0 {
		t.Errorf("B stored %d events as its own probes; want 0", n)
	}
	waitFor(t, "A to store its 3 probes", 5*time.Second, func() bool { return a.count() == 3 })
}

// TestHQClearTextWarning: off loopback (a lab namespace's address), the
// daemon warns that credentials cross the network in clear text, and does
// not once the API serves TLS.
func TestHQClearTextWarning(t *testing.T) {
	requireFull(t, "--api-tls-self-signed (lite builds refuse it)")
	l := newLab(t, 1)
	api := []string{"--api-listen", l.addr(0) + ":8082", "--api-key", "clear-text-test-key-0123456789"}
	const warning = "cross the network in clear text"
	d := l.start(0, t.TempDir(), api...)
	if !strings.Contains(d.log(), warning) {
		t.Errorf("no clear-text warning with the API on %s without TLS:\n%s", l.addr(0), d.log())
	}
	d.stop()
	d = l.start(0, t.TempDir(), append(api, "--api-tls-self-signed")...)
	if strings.Contains(d.log(), warning) {
		t.Errorf("clear-text warning although the API serves TLS:\n%s", d.log())
	}
	d.stop()
}
