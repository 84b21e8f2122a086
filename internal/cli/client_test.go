package cli

import (
	"bytes"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/sentrypeer/sentrypeer/internal/config"
)

func TestAPIBase(t *testing.T) {
	tests := []struct {
		name    string
		flag    string
		env     map[string]string
		want    string
		wantErr string
	}{
		{name: "default", want: "http://127.0.0.1:8082"},
		{name: "env", env: map[string]string{"SENTRYPEER_API_LISTEN": "127.0.0.2:9000"}, want: "http://127.0.0.2:9000"},
		{name: "env IPv6", env: map[string]string{"SENTRYPEER_API_LISTEN": "[::1]:9000"}, want: "http://[::1]:9000"},
		{name: "env any IPv4 is reached on loopback", env: map[string]string{"SENTRYPEER_API_LISTEN": "0.0.0.0:8082"}, want: "http://127.0.0.1:8082"},
		{name: "env any IPv6 is reached on loopback", env: map[string]string{"SENTRYPEER_API_LISTEN": "[::]:8082"}, want: "http://[::1]:8082"},
		{name: "empty env is unset", env: map[string]string{"SENTRYPEER_API_LISTEN": ""}, want: "http://127.0.0.1:8082"},
		{name: "flag beats env", flag: "http://127.0.0.3:1234/", env: map[string]string{"SENTRYPEER_API_LISTEN": "127.0.0.2:9000"}, want: "http://127.0.0.3:1234"},
		{name: "flag without scheme", flag: "localhost:8082", want: "http://localhost:8082"},
		{name: "flag with a path prefix", flag: "https://honeypot.example/sp/", want: "https://honeypot.example/sp"},
		{name: "bad env", env: map[string]string{"SENTRYPEER_API_LISTEN": "localhost:8082"}, wantErr: `invalid SENTRYPEER_API_LISTEN "localhost:8082"`},
		{name: "bad scheme", flag: "ftp://127.0.0.1", wantErr: "invalid --api"},
		{name: "query", flag: "http://127.0.0.1:8082/?x=1", wantErr: "invalid --api"},
		{name: "credentials in the URL", flag: "http://u:p@127.0.0.1:8082", wantErr: "invalid --api"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u, err := apiBase(tt.flag, mapEnv(tt.env))
			switch {
			case tt.wantErr != "":
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Errorf("err %v, want %q", err, tt.wantErr)
				}
			case err != nil:
				t.Errorf("err %v", err)
			case u.String() != tt.want:
				t.Errorf("got %s, want %s", u, tt.want)
			}
		})
	}
}

// TestDefaultMatchesConfig keeps the client's default address equal to the
// daemon's --api-listen default.
func TestDefaultMatchesConfig(t *testing.T) {
	c, err := config.Load(nil, mapEnv(nil))
	if err != nil {
		t.Fatal(err)
	}
	if got := c.APIListen.String(); got != defaultAPIListen {
		t.Errorf("daemon default %s, client default %s", got, defaultAPIListen)
	}
}

func TestAPIKey(t *testing.T) {
	const key = "0123456789abcdef-key"
	f := &fakeAPI{key: key}
	api := f.start(t)
	tests := []struct {
		name    string
		env     map[string]string
		args    []string
		code    int
		wantErr string
	}{
		{name: "from env", env: map[string]string{"SENTRYPEER_API_KEY": key}, code: ExitOK},
		{name: "from flag", args: []string{"--api-key", key}, code: ExitOK},
		{name: "flag beats env", env: map[string]string{"SENTRYPEER_API_KEY": "wrong"}, args: []string{"--api-key", key}, code: ExitOK},
		{name: "missing", code: ExitFailure, wantErr: "/api/v1/check/ip/203.0.113.7: 401 Unauthorized: missing or wrong API key (set --api-key or SENTRYPEER_API_KEY)"},
		{name: "wrong", args: []string{"--api-key", "nope"}, code: ExitFailure, wantErr: "401 Unauthorized"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := run(t, t.Context(), tt.env, "check", append(tt.args, "--api", api, "203.0.113.7")...)
			if res.code != tt.code || !strings.Contains(res.stderr, tt.wantErr) {
				t.Errorf("exit %d, stderr %q; want %d and %q", res.code, res.stderr, tt.code, tt.wantErr)
			}
			if tt.code == ExitOK {
				if got := f.lastRequest().Header.Get("Authorization"); got != "Bearer "+key {
					t.Errorf("Authorization %q", got)
				}
			}
			if strings.Contains(res.stderr, key) {
				t.Errorf("stderr %q shows the key", res.stderr)
			}
		})
	}
	t.Run("every command sends it", func(t *testing.T) {
		f.stream = twoNewEvents
		env := map[string]string{"SENTRYPEER_API_KEY": key}
		for _, args := range [][]string{{"ips", "--all", "--limit", "1"}, {"numbers"}, {"check", "0044123"}, {"export"}, {"events", "--follow"}} {
			before := len(f.paths())
			res := run(t, t.Context(), env, args[0], append(args[1:], "--api", api)...)
			if res.code != ExitOK {
				t.Errorf("%s: exit %d, stderr %q", args[0], res.code, res.stderr)
			}
			f.mu.Lock()
			for _, r := range f.requests[before:] {
				if r.Header.Get("Authorization") != "Bearer "+key {
					t.Errorf("%s: request %s without the key", args[0], r.URL)
				}
			}
			f.mu.Unlock()
		}
	})
}

func TestUnreachableAPI(t *testing.T) {
	// A port that was just free: nothing listens there.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	for _, args := range [][]string{{"ips"}, {"numbers"}, {"check", "1.2.3.4"}, {"export"}, {"events"}, {"events", "--follow"}} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			res := run(t, t.Context(), map[string]string{"SENTRYPEER_API_LISTEN": addr}, args[0], args[1:]...)
			if res.code != ExitFailure {
				t.Errorf("exit %d, want 2", res.code)
			}
			if !strings.Contains(res.stderr, "GET http://"+addr+"/api/v1/") || !strings.Contains(res.stderr, "connection refused") || !strings.Contains(res.stderr, "is sentrypeer running") {
				t.Errorf("stderr %q does not name the URL and the refusal", res.stderr)
			}
		})
	}
}

func TestTimeout(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-time.After(5 * time.Second):
		}
	}))
	defer srv.Close()
	for _, args := range [][]string{{"ips"}, {"export"}, {"events", "--follow"}} {
		t.Run(args[0], func(t *testing.T) {
			var out, errb bytes.Buffer
			r := &runner{stdout: &out, stderr: &errb, env: mapEnv(nil), timeout: 50 * time.Millisecond, streamIdle: time.Minute}
			start := time.Now()
			code := r.run(t.Context(), args[0], append(args[1:], "--api", srv.URL))
			if code != ExitFailure || !strings.Contains(strings.ToLower(errb.String()), "timeout") {
				t.Errorf("exit %d, stderr %q; want 2 and a timeout", code, errb.String())
			}
			if d := time.Since(start); d > 2*time.Second {
				t.Errorf("took %v with a 50ms timeout", d)
			}
		})
	}
}

func TestNonJSONError(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "<html>bad gateway\x1b[2J</html>\nmore", http.StatusBadGateway)
	}))
	defer srv.Close()
	res := run(t, t.Context(), nil, "numbers", "--api", srv.URL)
	want := "sentrypeer numbers: GET " + srv.URL + `/api/v1/numbers?limit=100: 502 Bad Gateway: <html>bad gateway\x1b[2J</html>` + "\n"
	if res.code != ExitFailure || res.stderr != want {
		t.Errorf("exit %d, stderr %q; want 2 and %q", res.code, res.stderr, want)
	}
}

func TestBadReply(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(`{"total": "many"`))
	}))
	defer srv.Close()
	res := run(t, t.Context(), nil, "ips", "--api", srv.URL)
	if res.code != ExitFailure || !strings.Contains(res.stderr, "decoding reply") {
		t.Errorf("exit %d, stderr %q; want 2 and a decoding error", res.code, res.stderr)
	}
}
