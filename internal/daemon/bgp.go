//go:build !lite

package daemon

import (
	"fmt"
	"net/netip"

	"github.com/sentrypeer/sentrypeer/internal/block"
	"github.com/sentrypeer/sentrypeer/internal/block/bgp"
)

// bgpBlocker makes the BGP blackhole speaker (--bgp-asn). Lite builds
// leave it, and GoBGP, out (bgp_lite.go).
func (d *Daemon) bgpBlocker() (block.Blocker, error) {
	b, err := bgp.New(bgp.Config{ASN: d.cfg.BGPASN, RouterID: d.cfg.BGPRouterID, Listen: d.cfg.BGPListen,
		Neighbors: d.cfg.BGPNeighbors, ExtraCommunities: d.cfg.BGPCommunities, LargeCommunities: d.cfg.BGPLargeCommunities,
		NextHopV4: d.cfg.BGPNextHopV4, NextHopV6: d.cfg.BGPNextHopV6, MaxPrefixes: d.cfg.BGPMaxPrefixes},
		d.logger.With("component", "bgp"))
	if err != nil {
		return nil, fmt.Errorf("BGP: %w", err)
	}
	return b, nil
}

// bgpNeighborAddrs are the addresses of the BGP neighbours.
func (d *Daemon) bgpNeighborAddrs() []netip.Addr {
	var out []netip.Addr
	for _, n := range d.cfg.BGPNeighbors {
		out = append(out, n.Addr)
	}
	return out
}

var _ speaker = (*bgp.Blocker)(nil)
