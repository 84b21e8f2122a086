package integration

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestLiteBuild: a lite build records and serves the API without the
// parts it leaves out, and says at start-up that it shares nothing and
// receives nothing (a full build shares by default).
func TestLiteBuild(t *testing.T) {
	requireLite(t)
	d := start(t, "")
	for _, want := range []string{"not in this build (lite)", "shares nothing and receives nothing", "sharing=false", "build=lite"} {
		if !strings.Contains(d.log(), want) {
			t.Errorf("the start-up log does not say %q:\n%s", want, d.log())
		}
	}
	sendUDP(t, d.addr, 0, 5)
	waitFor(t, "5 JSON lines", 10*time.Second, func() bool { return len(d.jsonLog()) == 5 })
	for _, c := range []struct {
		path string
		code int
		want string
	}{
		{"/health-check", 200, "Hello from SentryPeer!"},
		{"/api/v1/stats", 200, `"top_user_agents":[{"value":"it-probe","count":5}]`},
		{"/api/v1/check/ip/127.0.0.1", 200, `"bad":true`},
		{"/api/v1/blocking", 200, `"blockers":[]`},
		{"/api/v1/peers", 200, `"sharing":false`},
		{"/metrics", 404, "not in this build (lite)"},
		{"/api/v1/bgp", 404, "no such endpoint"},
		{"/api/v1/reports/ip/127.0.0.1", 404, "no such endpoint"},
		{"/api/v1/openapi.json", 404, "no such endpoint"},
		{"/v1/decisions", 404, "Not Found"},
	} {
		if code, body := get(t, d.api+c.path); code != c.code || !strings.Contains(body, c.want) {
			t.Errorf("GET %s: %d %s\nwant %d containing %s", c.path, code, body, c.code, c.want)
		}
	}
	d.stop()
	if n := d.count(); n != 5 {
		t.Errorf("%d events stored, want 5", n)
	}
}

// TestLiteRefusesLeftOutSettings: a setting of a part a lite build leaves
// out stops start-up with exit status 2 and a message naming it, however
// it is given; values that keep the part off are accepted.
func TestLiteRefusesLeftOutSettings(t *testing.T) {
	requireLite(t)
	conf := filepath.Join(t.TempDir(), "sentrypeer.conf")
	if err := os.WriteFile(conf, []byte("p2p-listen = /ip4/127.0.0.1/tcp/4001\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		args []string
		env  string
		want string
	}{
		{[]string{"--bgp-asn", "65001"}, "", "sentrypeer: --bgp-asn: not in this build (lite); use the full build"},
		{[]string{"-p"}, "", "sentrypeer: --peer-to-peer: not in this build (lite)"},
		{[]string{"--p2p-mdns"}, "", "sentrypeer: --p2p-mdns: not in this build (lite)"},
		{nil, "SENTRYPEER_BOOTSTRAP_NODE=/ip4/192.0.2.1/tcp/4001/p2p/12D3KooWA", "sentrypeer: SENTRYPEER_BOOTSTRAP_NODE: not in this build (lite)"},
		{nil, "SENTRYPEER_BGP_NEIGHBOR=192.0.2.1,65002", "sentrypeer: SENTRYPEER_BGP_NEIGHBOR: not in this build (lite)"},
		{[]string{"-g", conf}, "", "sentrypeer: config file " + conf + ": p2p-listen: not in this build (lite)"},
		{[]string{"--tls-self-signed"}, "", "sentrypeer: --tls-self-signed: not in this build (lite)"},
		{[]string{"-w", "http://127.0.0.1:9/hook"}, "", "sentrypeer: --webhook-url: not in this build (lite)"},
		{nil, "SENTRYPEER_WEBHOOK_URL=http://127.0.0.1:9/hook", "sentrypeer: SENTRYPEER_WEBHOOK_URL: not in this build (lite)"},
		{[]string{"id"}, "", "sentrypeer id: not in this build (lite)"},
		{[]string{"bouncers", "add", "fw"}, "", "sentrypeer bouncers: not in this build (lite)"},
		{[]string{"peers"}, "", "sentrypeer peers: not in this build (lite)"},
	} {
		name := strings.Join(c.args, " ") + c.env
		t.Run(name, func(t *testing.T) {
			args := c.args
			if len(args) == 0 || strings.HasPrefix(args[0], "-") {
				args = append([]string{"--data-dir", t.TempDir(), "--sip-listen", fmt.Sprintf("127.0.0.1:%d", freePort(t))}, args...)
			}
			cmd := exec.Command(binary, args...)
			cmd.Env = []string{"PATH=" + os.Getenv("PATH")}
			if c.env != "" {
				cmd.Env = append(cmd.Env, c.env)
			}
			out, err := cmd.CombinedOutput()
			var exit *exec.ExitError
			if !errors.As(err, &exit) || exit.ExitCode() != 2 || !strings.Contains(string(out), c.want) {
				t.Errorf("exit %v, output %q; want exit status 2 and %q", err, out, c.want)
			}
		})
	}
	// Turning sharing off, as units written for full builds may, is what a
	// lite build does anyway; --p2p-allow-private also governs blocking.
	d := start(t, "", "--no-share", "--peer-to-peer=false", "--p2p-mdns=0", "--p2p-allow-private")
	d.stop()
}

// tlsCert returns the flags that give the daemon a TLS certificate:
// --tls-self-signed, or for a lite build, which has no certificate
// generator, -t and -k with a self-signed certificate for 127.0.0.1 and its
// key written here.
func tlsCert(t *testing.T) []string {
	t.Helper()
	if !liteBinary {
		return []string{"--tls-self-signed"}
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "sentrypeer-it"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	k, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	cert, keyFile := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if err := os.WriteFile(cert, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: k}), 0o600); err != nil {
		t.Fatal(err)
	}
	return []string{"-t", cert, "-k", keyFile}
}
