//go:build lite

package daemon

import (
	"errors"
	"net/netip"

	"github.com/sentrypeer/sentrypeer/internal/block"
)

// bgpBlocker: lite builds leave the BGP speaker (GoBGP) out, and config
// refuses --bgp-asn, so this is never called.
func (d *Daemon) bgpBlocker() (block.Blocker, error) {
	return nil, errors.New("--bgp-asn: not in this build (lite); use the full build")
}

// bgpNeighborAddrs: there are no neighbours in lite builds.
func (d *Daemon) bgpNeighborAddrs() []netip.Addr { return nil }
