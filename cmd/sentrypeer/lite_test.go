//go:build lite

package main

import (
	"bytes"
	"strings"
	"testing"
)

// TestLiteRefuses: a lite build stops at a setting of what it leaves out,
// with exit status 2, and has no `sentrypeer id`; -V lists the tag lite.
func TestLiteRefuses(t *testing.T) {
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"--bgp-asn", "65001"}, "sentrypeer: --bgp-asn: not in this build (lite); use the full build\n"},
		{[]string{"id"}, "sentrypeer id: not in this build (lite); use the full build\n"},
	} {
		var out, errb bytes.Buffer
		if code := run(tt.args, &out, &errb); code != 2 || errb.String() != tt.want {
			t.Errorf("%q: exit %d, stderr %q; want 2, %q", tt.args, code, errb.String(), tt.want)
		}
	}
	var out bytes.Buffer
	run([]string{"-h"}, &out, &out)
	if !strings.Contains(out.String(), "This is a lite build") {
		t.Errorf("-h does not say this is a lite build:\n%s", out.String())
	}
}
