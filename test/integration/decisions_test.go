package integration

import (
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// TestDecisionsCLI drives block, unblock and decisions against the real
// daemon, with the admin key the daemon made in its data folder, and
// checks that the set survives a restart.
func TestDecisionsCLI(t *testing.T) {
	d := start(t, "")
	if fi, err := os.Stat(d.dataDir + "/admin.key"); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("admin.key: %v, %v; want mode 0600", fi, err)
	}
	sipp(t, d, "invite.xml", "u1", 3, 100)
	api := strings.TrimPrefix(d.api, "http://")
	cli := func(args ...string) (string, int) {
		t.Helper()
		cmd := exec.Command(binary, args...)
		cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "SENTRYPEER_API_LISTEN=" + api}
		out, _ := cmd.CombinedOutput()
		return string(out), cmd.ProcessState.ExitCode()
	}
	waitFor(t, "the INVITEs' numbers to become decisions", 10*time.Second, func() bool {
		out, _ := cli("decisions", "--kind", "number")
		return strings.Count(out, "probed this honeypot") == 3
	})
	tests := []struct {
		args []string
		code int
		want string
	}{
		{[]string{"block", "203.0.113.0/24"}, 2, "no admin key in sentrypeer-data"}, // no --data-dir
		{[]string{"block", "--data-dir", d.dataDir, "8.8.8.0/24", "--for", "2h", "--reason", "scanner farm"}, 0, "blocked 8.8.8.0/24 (range)"},
		{[]string{"block", "--data-dir", d.dataDir, "127.0.0.1"}, 2, "never blocked"},
		{[]string{"block", "--data-dir", d.dataDir, "not-a-value"}, 2, "not an IP address"},
		{[]string{"decisions", "--kind", "range"}, 0, "scanner farm"},
		{[]string{"decisions", "--json", "--origin", "manual"}, 0, `"value": "8.8.8.0/24"`},
		{[]string{"unblock", "--data-dir", d.dataDir, "009725971"}, 0, "unblocked 009725971"},
		{[]string{"unblock", "--data-dir", d.dataDir, "9.9.9.9"}, 0, "was not blocked"},
	}
	for _, tt := range tests {
		out, code := cli(tt.args...)
		if code != tt.code || !strings.Contains(out, tt.want) {
			t.Errorf("sentrypeer %s: exit %d\n%s\nwant exit %d containing %q", strings.Join(tt.args, " "), code, out, tt.code, tt.want)
		}
	}
	// The unblocked number does not come back when it is called again.
	sipp(t, d, "invite.xml", "u1", 3, 100)
	time.Sleep(500 * time.Millisecond)
	if out, _ := cli("decisions", "--kind", "number"); strings.Contains(out, "009725971") {
		t.Errorf("an unblocked number came back:\n%s", out)
	}

	d.stop()
	d2 := start(t, d.dataDir)
	api = strings.TrimPrefix(d2.api, "http://")
	out, _ := cli("decisions")
	if !strings.Contains(out, "8.8.8.0/24") || !strings.Contains(out, "009725972") || strings.Contains(out, "009725971") {
		t.Errorf("after a restart the set is\n%s\nwant 8.8.8.0/24 and 009725972, without the unblocked 009725971", out)
	}
}
