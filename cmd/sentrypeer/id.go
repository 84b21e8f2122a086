//go:build !lite

package main

import (
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/multiformats/go-multiaddr"

	"github.com/sentrypeer/sentrypeer/internal/config"
	"github.com/sentrypeer/sentrypeer/internal/p2p"
)

// idHelp is what -h says of `sentrypeer id`.
const idHelp = "  sentrypeer id       print this node's peer ID and the multiaddrs peers can bootstrap from (takes --data-dir and --p2p-listen; no daemon needed)"

// id prints the node's peer ID and the multiaddrs others can bootstrap
// from, from the key in the data folder, whether or not the daemon runs.
func id(args []string, stdout, stderr io.Writer) int {
	cfg, err := config.Load(args, os.LookupEnv)
	switch {
	case errors.Is(err, config.ErrHelp):
		fmt.Fprintln(stdout, "Usage: sentrypeer id [--data-dir DIR] [--p2p-listen MULTIADDRS]")
		return 0
	case err != nil:
		fmt.Fprintf(stderr, "sentrypeer id: %v\n", err)
		return 2
	}
	if err := os.MkdirAll(cfg.DataDir, 0o750); err != nil {
		fmt.Fprintf(stderr, "sentrypeer id: %v\n", err)
		return 1
	}
	listen := make([]multiaddr.Multiaddr, 0, len(cfg.P2PListen))
	for _, s := range cfg.P2PListen {
		m, err := multiaddr.NewMultiaddr(s)
		if err != nil {
			fmt.Fprintf(stderr, "sentrypeer id: --p2p-listen %s: %v\n", s, err)
			return 2
		}
		listen = append(listen, m)
	}
	peerID, addrs, err := p2p.Identity(cfg.DataDir, listen)
	if err != nil {
		fmt.Fprintf(stderr, "sentrypeer id: %v\n", err)
		return 1
	}
	fmt.Fprintf(stdout, "peer ID: %s\n", peerID)
	for _, a := range addrs {
		fmt.Fprintln(stdout, a)
	}
	return 0
}
