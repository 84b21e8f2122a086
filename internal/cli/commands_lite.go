//go:build lite

package cli

import (
	"context"
	"fmt"
)

// moreCommands: lite builds leave out the peer-to-peer engine, the BGP
// speaker and the CrowdSec bouncer API, so these subcommands only say so.
func moreCommands() map[string]command {
	out := map[string]command{}
	for name, summary := range map[string]string{
		"peers":    "show this node's peers",
		"reports":  "list what peers reported about an IP address",
		"bgp":      "show the BGP blackhole speaker",
		"bouncers": "manage the keys of CrowdSec bouncers",
	} {
		out[name] = command{summary: summary + " (not in lite builds)", usage: "sentrypeer " + name + "\n\nNot in this build (lite); use the full build.\n",
			run: func(r *runner, _ context.Context, _ []string) int {
				fmt.Fprintf(r.stderr, "sentrypeer %s: not in this build (lite); use the full build\n", name)
				return ExitFailure
			}}
	}
	out["clients"] = command{summary: "add, list or delete the API's OAuth2 clients (no daemon needed)", usage: clientsUsage, run: (*runner).clients}
	return out
}
