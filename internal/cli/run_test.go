package cli

import (
	"bytes"
	"strings"
	"testing"
)

func TestHelp(t *testing.T) {
	for _, name := range []string{"ips", "numbers", "check", "export", "events"} {
		for _, flag := range []string{"-h", "--help"} {
			t.Run(name+" "+flag, func(t *testing.T) {
				res := run(t, t.Context(), nil, name, flag)
				if res.code != ExitOK || res.stderr != "" || !strings.HasPrefix(res.stdout, "Usage: sentrypeer "+name+" ") || !strings.Contains(res.stdout, "--api-key KEY") {
					t.Errorf("exit %d, stdout %q, stderr %q", res.code, res.stdout, res.stderr)
				}
			})
		}
	}
}

func TestUnknownCommand(t *testing.T) {
	res := run(t, t.Context(), nil, "ipz\x1b")
	if res.code != ExitFailure || res.stderr != "sentrypeer: unknown command \"ipz\\x1b\"\n" {
		t.Errorf("exit %d, stderr %q", res.code, res.stderr)
	}
}

func TestIsCommandAndUsage(t *testing.T) {
	var b bytes.Buffer
	Usage(&b)
	for _, tt := range []struct {
		name string
		want bool
	}{{"ips", true}, {"numbers", true}, {"check", true}, {"export", true}, {"events", true}, {"version", false}, {"-h", false}, {"", false}} {
		t.Run(tt.name, func(t *testing.T) {
			if got := IsCommand(tt.name); got != tt.want {
				t.Errorf("IsCommand(%q) = %v", tt.name, got)
			}
			if listed := strings.Contains(b.String(), "sentrypeer "+tt.name+" "); tt.name != "" && listed != tt.want {
				t.Errorf("Usage lists %q: %v, want %v", tt.name, listed, tt.want)
			}
		})
	}
}

func TestDoubleDashEndsFlags(t *testing.T) {
	api := (&fakeAPI{}).start(t)
	res := run(t, t.Context(), nil, "check", "--api", api, "--", "--json")
	// "--json" is the number to check, not the flag: a table comes back.
	if res.code != ExitNotFound || !strings.HasPrefix(res.stdout, "NUMBER") {
		t.Errorf("exit %d, stdout %q, stderr %q", res.code, res.stdout, res.stderr)
	}
}
