//go:build !lite

package config

import "testing"

// TestLoadBGP reads the BGP speaker's settings into its package's types,
// which lite builds do not have.
func TestLoadBGP(t *testing.T) {
	tests := []struct {
		name  string
		args  []string
		env   map[string]string
		check func(c Config) bool
	}{
		{name: "bgp neighbours, commas inside", args: []string{"--bgp-asn", "65002", "--bgp-neighbor", "127.0.0.1:1790,65001,multihop=2", "--bgp-neighbor", "[2001:db8::1]:179,65003"},
			check: func(c Config) bool {
				return c.BGPASN == 65002 && len(c.BGPNeighbors) == 2 && c.BGPNeighbors[0].Port == 1790 && c.BGPNeighbors[0].Multihop == 2 && c.BGPNeighbors[1].ASN == 65003
			}},
		{name: "bgp neighbours from the environment, ';' between", args: []string{"--bgp-asn", "1"},
			env:   map[string]string{"SENTRYPEER_BGP_NEIGHBOR": "192.0.2.1,2;192.0.2.2,3"},
			check: func(c Config) bool { return len(c.BGPNeighbors) == 2 && c.BGPNeighbors[1].ASN == 3 }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Load(tt.args, envOf(tt.env))
			if err != nil {
				t.Fatal(err)
			}
			if !tt.check(c) {
				t.Errorf("unexpected config %+v", c)
			}
		})
	}
}
