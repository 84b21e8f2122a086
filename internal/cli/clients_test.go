package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestClients(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data") // made by add
	env := map[string]string{"SENTRYPEER_DATA_DIR": dir}
	cli := func(args ...string) result {
		t.Helper()
		return run(t, t.Context(), env, "clients", args...)
	}
	if res := cli("list"); res.code != ExitOK || !strings.HasPrefix(res.stdout, "no API clients") {
		t.Fatalf("empty list: %+v", res)
	}
	res := cli("add", "cgrates", "--scope", "read")
	if res.code != ExitOK || !strings.Contains(res.stdout, "client_secret: ") || !strings.Contains(res.stdout, "shown only this once") {
		t.Fatalf("add: %+v", res)
	}
	secret := strings.Fields(res.stdout[strings.Index(res.stdout, "client_secret: "):])[1]
	raw, _ := os.ReadFile(filepath.Join(dir, "clients.db"))
	if strings.Contains(string(raw), secret) {
		t.Error("clients.db holds the secret")
	}
	if fi, err := os.Stat(filepath.Join(dir, "clients.db")); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("clients.db: %v %v; want mode 0600", fi, err)
	}
	res = cli("add", "peer-node", "--scope", "read,report", "--trusted", "--json")
	var added struct {
		Name, ClientID, ClientSecret string
		Scope                        []string
		Trusted                      bool
	}
	b := strings.NewReplacer(`"client_id"`, `"ClientID"`, `"client_secret"`, `"ClientSecret"`).Replace(res.stdout)
	if err := json.Unmarshal([]byte(b), &added); err != nil || res.code != ExitOK || len(added.ClientID) != 32 ||
		len(added.ClientSecret) != 43 || !added.Trusted || strings.Join(added.Scope, ",") != "read,report" {
		t.Fatalf("add --json: %v %+v %+v", err, res, added)
	}
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"add", "cgrates"}, "exists"},
		{[]string{"add", "a b"}, "bad client name"},
		{[]string{"add", "x", "--scope", "write"}, "--scope write"},
		{[]string{"list", "--trusted"}, "go with add"},
		{[]string{"delete", "nobody"}, "no such client"},
		{[]string{"frob"}, "unknown action"},
	} {
		if res := cli(tt.args...); res.code != ExitFailure || !strings.Contains(res.stderr, tt.want) {
			t.Errorf("clients %v: %+v; want exit 2 saying %q", tt.args, res, tt.want)
		}
	}
	res = cli("list")
	if lines := strings.Split(strings.TrimSpace(res.stdout), "\n"); len(lines) != 3 || !strings.Contains(lines[2], "read,report  true") {
		t.Errorf("list:\n%s", res.stdout)
	}
	if res := cli("delete", added.ClientID); res.code != ExitOK || !strings.Contains(res.stdout, `deleted client "peer-node"`) {
		t.Errorf("delete by id: %+v", res)
	}
	if res := cli("delete", "cgrates", "--json"); res.code != ExitOK || !strings.Contains(res.stdout, `"deleted": "cgrates"`) {
		t.Errorf("delete --json: %+v", res)
	}
	if res := cli("list", "--json"); !strings.Contains(res.stdout, `"clients": []`) {
		t.Errorf("list --json after deleting all: %+v", res)
	}
}
