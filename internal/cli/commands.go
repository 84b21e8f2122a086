//go:build !lite

package cli

// moreCommands are the subcommands of parts that lite builds leave out.
func moreCommands() map[string]command {
	return map[string]command{
		"peers":    {summary: "show this node's peer ID and addresses, and its peers", usage: peersUsage, run: (*runner).peers},
		"reports":  {summary: "list what peers reported about an IP address", usage: reportsUsage, run: (*runner).reports},
		"bgp":      {summary: "show the BGP blackhole speaker's neighbours and routes", usage: bgpUsage, run: (*runner).bgp},
		"bouncers": {summary: "add, list or delete the keys of CrowdSec bouncers (no daemon needed)", usage: bouncersUsage, run: (*runner).bouncers},
		"clients":  {summary: "add, list or delete the API's OAuth2 clients (no daemon needed)", usage: clientsUsage, run: (*runner).clients},
	}
}
