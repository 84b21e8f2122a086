//go:build !lite

package cli

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/sentrypeer/sentrypeer/internal/block/crowdsec"
	"github.com/sentrypeer/sentrypeer/internal/decision"
)

var keyRE = regexp.MustCompile(`\bspb_[0-9a-f]{64}\b`)

func TestBouncers(t *testing.T) {
	dir := t.TempDir()
	env := map[string]string{"SENTRYPEER_DATA_DIR": dir}
	bouncers := func(args ...string) result {
		t.Helper()
		return run(t, t.Context(), env, "bouncers", args...)
	}

	res := bouncers("list")
	if res.code != ExitOK || !strings.HasPrefix(res.stdout, "no bouncers") {
		t.Fatalf("empty list: %+v", res)
	}

	res = bouncers("add", "firewall")
	key := keyRE.FindString(res.stdout)
	if res.code != ExitOK || key == "" || res.stderr != "" {
		t.Fatalf("add: %+v", res)
	}
	if !strings.Contains(res.stdout, "shown only this once") || !strings.Contains(res.stdout, filepath.Join(dir, "bouncers.json")) {
		t.Errorf("add says %q", res.stdout)
	}
	raw, err := os.ReadFile(filepath.Join(dir, crowdsec.KeysFile))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(raw), key) {
		t.Error("the key file holds the key")
	}

	res = bouncers("add", "nginx", "--json")
	var added struct{ Name, Created, Key, KeysFile string }
	if err := json.Unmarshal([]byte(res.stdout), &added); err != nil || res.code != ExitOK {
		t.Fatalf("add --json: %v %+v", err, res)
	}
	if added.Name != "nginx" || !keyRE.MatchString(added.Key) || added.Key == key || added.Created == "" {
		t.Errorf("add --json: %+v", added)
	}

	res = bouncers("list")
	lines := strings.Split(strings.TrimSpace(res.stdout), "\n")
	if res.code != ExitOK || len(lines) != 3 || !strings.HasPrefix(lines[0], "NAME") || !strings.HasPrefix(lines[1], "firewall  ") || !strings.HasPrefix(lines[2], "nginx  ") {
		t.Errorf("list:\n%s", res.stdout)
	}
	res = bouncers("list", "--json")
	var listed struct {
		Bouncers []struct{ Name, Created string }
	}
	if err := json.Unmarshal([]byte(res.stdout), &listed); err != nil || len(listed.Bouncers) != 2 || listed.Bouncers[1].Name != "nginx" {
		t.Errorf("list --json: %v %s", err, res.stdout)
	}
	if strings.Contains(res.stdout, "key") {
		t.Errorf("list shows key material: %s", res.stdout)
	}

	// The key it printed is the one the daemon's handler accepts.
	set := decision.New(decision.Config{})
	h, err := crowdsec.New(crowdsec.Config{Decisions: set, KeysFile: filepath.Join(dir, crowdsec.KeysFile)})
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		key  string
		code int
	}{{key, 200}, {added.Key, 200}, {"spb_" + strings.Repeat("0", 64), 403}} {
		r := httptest.NewRequest("GET", "/v1/decisions/stream?startup=true", nil)
		r.Header.Set("X-Api-Key", tt.key)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code != tt.code {
			t.Errorf("key %.12s…: %d, want %d", tt.key, w.Code, tt.code)
		}
	}

	res = bouncers("delete", "firewall")
	if res.code != ExitOK || !strings.Contains(res.stdout, `deleted bouncer "firewall"`) {
		t.Errorf("delete: %+v", res)
	}
	res = bouncers("delete", "nginx", "--json")
	if res.code != ExitOK || strings.TrimSpace(res.stdout) != "{\n  \"deleted\": \"nginx\"\n}" {
		t.Errorf("delete --json: %+v", res)
	}
	if res = bouncers("list"); !strings.HasPrefix(res.stdout, "no bouncers") {
		t.Errorf("list after deletes: %q", res.stdout)
	}
	if fi, err := os.Stat(filepath.Join(dir, crowdsec.KeysFile)); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("key file: %v %v", fi.Mode(), err)
	}
}

func TestBouncersErrors(t *testing.T) {
	dir := t.TempDir()
	env := map[string]string{"SENTRYPEER_DATA_DIR": dir}
	if res := run(t, t.Context(), env, "bouncers", "add", "fw"); res.code != ExitOK {
		t.Fatal(res)
	}
	for _, tt := range []struct {
		name string
		args []string
		msg  string
	}{
		{"no action", nil, "want add NAME, list or delete NAME"},
		{"unknown action", []string{"rotate", "fw"}, `unknown action "rotate"`},
		{"add without a name", []string{"add"}, "add wants one bouncer name"},
		{"add two names", []string{"add", "a", "b"}, "add wants one bouncer name"},
		{"bad name", []string{"add", "fw 2"}, `bad bouncer name "fw 2"`},
		{"name with escapes", []string{"add", "x\x1b[31m"}, `bad bouncer name "x\x1b[31m"`},
		{"duplicate", []string{"add", "fw"}, "a bouncer of that name exists"},
		{"delete unknown", []string{"delete", "nope"}, `no bouncer of that name: "nope"`},
		{"list with an argument", []string{"list", "fw"}, "list takes no argument"},
		{"bad flag", []string{"list", "--api", "x"}, "flag provided but not defined: -api"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			res := run(t, t.Context(), env, "bouncers", tt.args...)
			if res.code != ExitFailure || !strings.HasPrefix(res.stderr, "sentrypeer bouncers: ") || !strings.Contains(res.stderr, tt.msg) || res.stdout != "" ||
				strings.ContainsRune(res.stderr, 0x1b) {
				t.Errorf("exit %d, stdout %q, stderr %q; want %q", res.code, res.stdout, res.stderr, tt.msg)
			}
		})
	}
}

// TestBouncersDataDir finds the data folder as the daemon does.
func TestBouncersDataDir(t *testing.T) {
	flagDir, envDir, fileDir := t.TempDir(), t.TempDir(), t.TempDir()
	conf := filepath.Join(t.TempDir(), "sentrypeer.conf")
	if err := os.WriteFile(conf, []byte("data-dir = "+fileDir+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name string
		env  map[string]string
		args []string
		want string
	}{
		{"--data-dir", nil, []string{"--data-dir", flagDir}, flagDir},
		{"--data-dir after the action", nil, []string{"add", "fw", "--data-dir", flagDir}, flagDir},
		{"SENTRYPEER_DATA_DIR", map[string]string{"SENTRYPEER_DATA_DIR": envDir}, nil, envDir},
		{"--data-dir beats the environment", map[string]string{"SENTRYPEER_DATA_DIR": envDir}, []string{"--data-dir", flagDir}, flagDir},
		{"config file -g", nil, []string{"-g", conf}, fileDir},
		{"SENTRYPEER_CONFIG_FILE", map[string]string{"SENTRYPEER_CONFIG_FILE": conf}, nil, fileDir},
		{"the environment beats the config file", map[string]string{"SENTRYPEER_CONFIG_FILE": conf, "SENTRYPEER_DATA_DIR": envDir}, nil, envDir},
	} {
		t.Run(tt.name, func(t *testing.T) {
			for _, d := range []string{flagDir, envDir, fileDir} {
				os.Remove(filepath.Join(d, crowdsec.KeysFile))
			}
			args := tt.args
			if len(args) == 0 || args[0] != "add" {
				args = append([]string{"add", "fw"}, args...)
			}
			res := run(t, t.Context(), tt.env, "bouncers", args...)
			if res.code != ExitOK {
				t.Fatalf("%+v", res)
			}
			for _, d := range []string{flagDir, envDir, fileDir} {
				_, err := os.Stat(filepath.Join(d, crowdsec.KeysFile))
				if (err == nil) != (d == tt.want) {
					t.Errorf("key file in %s: %v, want it only in %s", d, err == nil, tt.want)
				}
			}
		})
	}
	t.Run("a broken config file is an error", func(t *testing.T) {
		res := run(t, t.Context(), nil, "bouncers", "list", "-g", filepath.Join(t.TempDir(), "missing.conf"))
		if res.code != ExitFailure || !strings.Contains(res.stderr, "finding the data folder") {
			t.Errorf("%+v", res)
		}
	})
}

func TestBouncersHelp(t *testing.T) {
	for _, flag := range []string{"-h", "--help"} {
		res := run(t, t.Context(), nil, "bouncers", flag)
		if res.code != ExitOK || !strings.HasPrefix(res.stdout, "Usage: sentrypeer bouncers add NAME | list | delete NAME") || !strings.Contains(res.stdout, "--data-dir DIR") {
			t.Errorf("%s: %+v", flag, res)
		}
	}
	if !IsCommand("bouncers") {
		t.Error("bouncers is not a command")
	}
}

// Compile-time check that the handler is what the daemon mounts.
var _ http.Handler = (*crowdsec.Handler)(nil)
