//go:build lite

package cli

import (
	"strings"
	"testing"
)

// TestLiteCommands: the subcommands of what lite builds leave out say so,
// and the lite client speaks plain HTTP only.
func TestLiteCommands(t *testing.T) {
	for _, name := range []string{"peers", "reports", "bgp", "bouncers"} {
		res := run(t, t.Context(), nil, name, "list")
		if res.code != ExitFailure || res.stderr != "sentrypeer "+name+": not in this build (lite); use the full build\n" {
			t.Errorf("%s: exit %d, stderr %q", name, res.code, res.stderr)
		}
	}
	res := run(t, t.Context(), nil, "ips", "--api", "https://127.0.0.1:1")
	if res.code != ExitFailure || !strings.Contains(res.stderr, "https://: not in this build (lite)") {
		t.Errorf("https API: exit %d, stderr %q", res.code, res.stderr)
	}
}
