package config

import (
	"strings"
	"testing"
)

// TestRefuseLeftOut: what lite builds say of a setting of a part they leave
// out, given by a flag, a variable or the config file (a flag named first);
// values that keep the part off, and every other setting, pass.
func TestRefuseLeftOut(t *testing.T) {
	all := settings()
	tests := []struct {
		name              string
		flags, envs, file layer
		want              string
	}{
		{name: "flag", flags: layer{"bgp-asn": {"65001"}}, want: "--bgp-asn: not in this build (lite); use the full build"},
		{name: "variable", envs: layer{"bootstrap-node": {"/ip4/192.0.2.1/tcp/4001/p2p/12D3KooWA"}},
			want: "SENTRYPEER_BOOTSTRAP_NODE: not in this build (lite); use the full build"},
		{name: "config file", file: layer{"p2p-listen": {"/ip4/0.0.0.0/tcp/4001"}},
			want: "config file sp.conf: p2p-listen: not in this build (lite); use the full build"},
		{name: "a flag first", flags: layer{"p2p-quorum": {"3"}}, envs: layer{"bgp-neighbor": {"192.0.2.1,65002"}}, want: "--p2p-quorum: "},
		{name: "sharing asked for", envs: layer{"peer-to-peer": {"1"}}, want: "SENTRYPEER_PEER_TO_PEER: "},
		{name: "more shared", flags: layer{"p2p-share-raw": {"true"}}, want: "--p2p-share-raw: "},
		{name: "sharing off", flags: layer{"peer-to-peer": {"false"}, "no-share": {"true"}, "p2p-mdns": {"0"}, "p2p-share-destination": {"FALSE"}},
			envs: layer{"no-share": {"false"}}},
		{name: "the rest", flags: layer{"sip-listen": {"127.0.0.1:5060"}, "nft": {"true"}, "api": {"true"}, "allow": {"192.0.2.0/24"},
			"p2p-allow-private": {"true"}, "sip-agent-listen": {"127.0.0.1:5070"}, "memory-limit": {"64MiB"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := refuseLeftOut(all, "sp.conf", tt.flags, tt.envs, tt.file)
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("err = %v, want none", err)
			case tt.want != "" && (err == nil || !strings.HasPrefix(err.Error(), tt.want)):
				t.Errorf("err = %v, want one starting %q", err, tt.want)
			}
		})
	}
}

// TestNotInLiteIsMarked: -h marks exactly the settings lite builds refuse.
func TestNotInLiteIsMarked(t *testing.T) {
	n := 0
	for _, s := range settings() {
		if (s.feature != "") != strings.HasSuffix(s.usage, notInLite) {
			t.Errorf("--%s: feature %q, usage %q", s.name, s.feature, s.usage)
		}
		if s.feature != "" {
			n++
		}
		if s.off != "" && s.feature == "" {
			t.Errorf("--%s has an off value but no feature", s.name)
		}
	}
	if n < 10 {
		t.Errorf("only %d settings marked %q", n, notInLite)
	}
}
