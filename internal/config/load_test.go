package config

import (
	"errors"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func envOf(m map[string]string) Env {
	return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
}

func TestLoadDefaults(t *testing.T) {
	c, err := Load(nil, envOf(nil))
	if err != nil {
		t.Fatal(err)
	}
	want := []netip.AddrPort{netip.MustParseAddrPort("0.0.0.0:5060"), netip.MustParseAddrPort("[::]:5060")}
	if len(c.SIPListen) != 2 || c.SIPListen[0] != want[0] || c.SIPListen[1] != want[1] || !c.SIPListenDefault {
		t.Errorf("SIPListen = %v (default %v), want %v", c.SIPListen, c.SIPListenDefault, want)
	}
	if c.DBFile != filepath.Join("sentrypeer-data", "sentrypeer.db") || c.MaxAge != 7*24*time.Hour || c.SIPResponsive || c.JSONLog {
		t.Errorf("unexpected defaults: %+v", c)
	}
}

func TestLoadPrecedence(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "sp.conf")
	os.WriteFile(file, []byte("# comment\nsip-listen = 127.0.0.1:5070\nmax-age = ${AGE}\nsip-responsive = true\njson-log = 1\n"), 0o600)
	tests := []struct {
		name   string
		args   []string
		env    map[string]string
		check  func(c Config) bool
		errHas string
		full   bool // a setting lite builds refuse (lite_test.go tests that)
	}{
		{name: "file", args: []string{"-g", file}, env: map[string]string{"AGE": "2h"},
			check: func(c Config) bool {
				return c.SIPListen[0].String() == "127.0.0.1:5070" && c.MaxAge == 2*time.Hour && c.SIPResponsive && c.JSONLog && !c.SIPListenDefault
			}},
		{name: "env beats file", args: []string{"-g", file}, env: map[string]string{"AGE": "2h", "SENTRYPEER_SIP_RESPONSIVE": "0", "SENTRYPEER_SIP_LISTEN": "127.0.0.2:5080,[::1]:5080"},
			check: func(c Config) bool {
				return !c.SIPResponsive && len(c.SIPListen) == 2 && c.SIPListen[1].String() == "[::1]:5080"
			}},
		{name: "flag beats env", args: []string{"-r", "--sip-listen", "127.0.0.3:1", "--sip-listen", "127.0.0.3:2"}, env: map[string]string{"SENTRYPEER_SIP_RESPONSIVE": "false"},
			check: func(c Config) bool { return c.SIPResponsive && len(c.SIPListen) == 2 }},
		{name: "config file from env", env: map[string]string{"SENTRYPEER_CONFIG_FILE": file, "AGE": "3h"},
			check: func(c Config) bool { return c.MaxAge == 3*time.Hour }},
		{name: "original zero is off", env: map[string]string{"SENTRYPEER_JSON_LOG": "0"},
			check: func(c Config) bool { return !c.JSONLog }},
		{name: "json log file implies json log", args: []string{"-l", "/tmp/x.log"},
			check: func(c Config) bool { return c.JSONLog && c.JSONLogFile == "/tmp/x.log" }},
		{name: "bad bool env", env: map[string]string{"SENTRYPEER_VERBOSE": "yes"}, errHas: "SENTRYPEER_VERBOSE"},
		{name: "bad bool flag", args: []string{"-v=maybe"}, errHas: "true, false, 1 or 0"},
		{name: "bad listen", args: []string{"--sip-listen", "localhost:5060"}, errHas: "--sip-listen"},
		{name: "sharing is on by default", check: func(c Config) bool {
			return c.Sharing() && c.P2PInterval == 10*time.Second && c.P2PQuorum == 2 && len(c.P2PListen) == 4
		}, full: true},
		{name: "no-share opts out", args: []string{"--no-share"}, check: func(c Config) bool { return !c.Sharing() }},
		{name: "original env opts out", env: map[string]string{"SENTRYPEER_PEER_TO_PEER": "false"}, check: func(c Config) bool { return !c.Sharing() }},
		{name: "bootstrap list", env: map[string]string{"SENTRYPEER_BOOTSTRAP_NODE": "/ip4/192.0.2.1/tcp/4001/p2p/12D3KooWA,/ip4/192.0.2.2/tcp/4001/p2p/12D3KooWB"},
			check: func(c Config) bool { return len(c.BootstrapNodes) == 2 }, full: true},
		{name: "bootstrap without peer id", args: []string{"-b", "/ip4/192.0.2.1/tcp/4001"}, errHas: "/p2p/PEERID", full: true},
		{name: "allow", args: []string{"--allow", "192.0.2.7/24", "--allow", "2001:db8::1"},
			check: func(c Config) bool {
				return len(c.Allow) == 2 && c.Allow[0].String() == "192.0.2.0/24" && c.Allow[1].String() == "2001:db8::1/128"
			}},
		{name: "bad allow", args: []string{"--allow", "192.0.2.0/33"}, errHas: "--allow"},
		{name: "bgp asn without neighbours", args: []string{"--bgp-asn", "65002"}, errHas: "go together", full: true},
		{name: "bad bgp community", args: []string{"--bgp-asn", "1", "--bgp-neighbor", "192.0.2.1,2", "--bgp-community", "70000:1"}, errHas: "--bgp-community", full: true},
		{name: "sip agent without destination", args: []string{"--sip-agent-listen", "127.0.0.1:5072"}, errHas: "go together"},
		{name: "sip agent on the honeypot's address", args: []string{"--sip-listen", "127.0.0.1:5072", "--sip-agent-listen", "127.0.0.1:5072", "--sip-agent-destination", "192.0.2.9"}, errHas: "customers' calls"},
		{name: "bad sip agent reject", args: []string{"--sip-agent-reject", "500"}, errHas: "--sip-agent-reject"},
		{name: "bad quorum", args: []string{"--p2p-quorum", "0"}, errHas: "--p2p-quorum", full: true},
		{name: "bad trust", args: []string{"--p2p-trust", "/ip4/1.2.3.4"}, errHas: "--p2p-trust", full: true},
		{name: "duplicate listen", args: []string{"--sip-listen", "127.0.0.1:1,127.0.0.1:1"}, errHas: "twice"},
		{name: "memory limit", args: []string{"--memory-limit", "1GiB"},
			check: func(c Config) bool { return c.MemoryLimit == 1<<30 }},
		{name: "bad memory limit", args: []string{"--memory-limit", "lots"}, errHas: "--memory-limit"},
		{name: "memory limit too small", args: []string{"--memory-limit", "16MiB"}, errHas: "at least 48MiB"},
		{name: "no memory limit", args: []string{"--memory-limit", "0"},
			check: func(c Config) bool { return c.MemoryLimit == 0 }},
		{name: "queue sized from the limit by default", args: nil,
			check: func(c Config) bool { return c.QueueSize == 0 && c.MemoryLimit == 128<<20 }, full: true},
		{name: "queue size given", args: []string{"--queue-size", "1000"},
			check: func(c Config) bool { return c.QueueSize == 1000 }},
		{name: "queue size auto", args: []string{"--queue-size", "1000", "--queue-size", "auto"},
			check: func(c Config) bool { return c.QueueSize == 0 }},
		{name: "api defaults to loopback", check: func(c Config) bool {
			return c.APIEnabled() && c.APIListen.String() == "127.0.0.1:8082" && c.APIKey == ""
		}},
		{name: "no-api", args: []string{"--no-api"}, check: func(c Config) bool { return !c.APIEnabled() }},
		{name: "api off by env", env: map[string]string{"SENTRYPEER_API": "false"}, check: func(c Config) bool { return !c.APIEnabled() }},
		// The daemon refuses it without a key unless DATA-DIR/clients.db has a client.
		{name: "public api: key or client checked by the daemon", args: []string{"--api-listen", "0.0.0.0:8082"}, check: func(c Config) bool { return c.APIKey == "" }},
		{name: "api tls cert needs key", args: []string{"--api-tls-cert", "c.pem"}, errHas: "--api-tls-cert and --api-tls-key go together"},
		{name: "api client rate", args: []string{"--api-client-rate", "5", "--api-client-burst", "7"}, check: func(c Config) bool { return c.APIClientRate == 5 && c.APIClientBurst == 7 }},
		{name: "public api with key", args: []string{"--api-listen", "0.0.0.0:8082"}, env: map[string]string{"SENTRYPEER_API_KEY": "0123456789abcdef0123"},
			check: func(c Config) bool { return c.APIKey == "0123456789abcdef0123" }},
		{name: "short key", args: []string{"--api-key", "short"}, errHas: "16 characters"},
		{name: "bad age", args: []string{"--max-age", "1s"}, errHas: "--max-age"},
		{name: "cert without key", args: []string{"-t", "c.pem"}, errHas: "go together"},
		{name: "unknown flag", args: []string{"--nope"}, errHas: "nope"},
		{name: "stray argument", args: []string{"extra"}, errHas: "unexpected argument"},
		{name: "bad file line", args: []string{"-g", filepath.Join(dir, "bad.conf")}, errHas: "unknown setting"},
		{name: "missing file", args: []string{"-g", filepath.Join(dir, "none.conf")}, errHas: "-g"},
	}
	os.WriteFile(filepath.Join(dir, "bad.conf"), []byte("no-such = 1\n"), 0o600)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.full && Lite {
				t.Skip("a setting lite builds refuse")
			}
			c, err := Load(tt.args, envOf(tt.env))
			if tt.errHas != "" {
				if err == nil || !strings.Contains(err.Error(), tt.errHas) {
					t.Fatalf("err = %v, want it to mention %q", err, tt.errHas)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !tt.check(c) {
				t.Errorf("unexpected config %+v", c)
			}
		})
	}
}

func TestLoadInfo(t *testing.T) {
	for _, a := range []string{"-h", "--help", "-V", "--version"} {
		_, err := Load([]string{a}, envOf(nil))
		if !errors.Is(err, ErrHelp) && !errors.Is(err, ErrVersion) {
			t.Errorf("%s: err = %v", a, err)
		}
	}
}

func TestUsageListsEverySetting(t *testing.T) {
	var b strings.Builder
	Usage(&b)
	for _, s := range settings() {
		if !strings.Contains(b.String(), "--"+s.name) || (s.env != "" && !strings.Contains(b.String(), s.env)) {
			t.Errorf("usage lacks %s", s.label())
		}
	}
}
