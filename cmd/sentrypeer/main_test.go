package main

import (
	"bytes"
	"strings"
	"testing"
)

func TestRunBadSettingExitsTwo(t *testing.T) {
	var out, errb bytes.Buffer
	if code := run([]string{"--max-age", "1s"}, &out, &errb); code != 2 || !strings.Contains(errb.String(), "--max-age") {
		t.Fatalf("exit %d, stderr %q", code, errb.String())
	}
}

// TestVersion: -V and `version` say the version first (as the original's
// -V did), then the commit, build date, Go version and build tags.
func TestVersion(t *testing.T) {
	for _, args := range [][]string{{"-V"}, {"--version"}, {"version"}} {
		var out, errb bytes.Buffer
		if code := run(args, &out, &errb); code != 0 {
			t.Fatalf("%v: exit %d, %s", args, code, errb.String())
		}
		lines := strings.Split(strings.TrimSpace(out.String()), "\n")
		want := []string{"sentrypeer " + version, "commit: ", "built: ", "go: go1.", "tags: "}
		if len(lines) != len(want) {
			t.Fatalf("%v printed %q", args, out.String())
		}
		for i, w := range want {
			if !strings.HasPrefix(lines[i], w) {
				t.Errorf("%v line %d: %q, want it to start with %q", args, i+1, lines[i], w)
			}
		}
	}
}
