//go:build lite

package config

import (
	"strings"
	"testing"
)

// TestLiteLoad: a lite build's defaults have sharing off, and it refuses
// the settings of what it leaves out before parsing them.
func TestLiteLoad(t *testing.T) {
	c, err := Load(nil, envOf(nil))
	if err != nil {
		t.Fatal(err)
	}
	if c.Sharing() {
		t.Error("a lite build shares by default")
	}
	if c.MemoryLimit != 64<<20 || c.QueueSize != 4096 || c.BlockMax != 20000 {
		t.Errorf("lite defaults: memory limit %d, queue %d, block max %d", c.MemoryLimit, c.QueueSize, c.BlockMax)
	}
	if _, err := Load([]string{"--webhook-share-raw=false"}, envOf(nil)); err != nil {
		t.Errorf("a value that keeps the webhook off: %v", err)
	}
	if c, err := Load([]string{"--no-share"}, envOf(map[string]string{"SENTRYPEER_PEER_TO_PEER": "false"})); err != nil || c.Sharing() {
		t.Errorf("opting out: %v, sharing %v", err, c.Sharing())
	}
	for _, tt := range []struct {
		args []string
		env  map[string]string
		want string
	}{
		{[]string{"--bgp-asn", "65001"}, nil, "--bgp-asn: not in this build (lite); use the full build"},
		{[]string{"--bgp-neighbor", "not a neighbour"}, nil, "--bgp-neighbor: not in this build (lite); use the full build"},
		{nil, map[string]string{"SENTRYPEER_PEER_TO_PEER": "true"}, "SENTRYPEER_PEER_TO_PEER: not in this build (lite); use the full build"},
		{[]string{"--p2p-trust", "x"}, nil, "--p2p-trust: not in this build (lite); use the full build"},
		{[]string{"-w", "http://127.0.0.1:9/hook"}, nil, "--webhook-url: not in this build (lite); use the full build"},
		{nil, map[string]string{"SENTRYPEER_OAUTH2_CLIENT_ID": "id"}, "SENTRYPEER_OAUTH2_CLIENT_ID: not in this build (lite); use the full build"},
	} {
		if _, err := Load(tt.args, envOf(tt.env)); err == nil || err.Error() != tt.want {
			t.Errorf("Load(%q, %v) = %v, want %q", tt.args, tt.env, err, tt.want)
		}
	}
	var b strings.Builder
	Usage(&b)
	if !strings.Contains(b.String(), "This is a lite build") || !strings.Contains(b.String(), "--bgp-asn VALUE\n      run the BGP") {
		t.Errorf("-h of a lite build:\n%s", b.String())
	}
}
