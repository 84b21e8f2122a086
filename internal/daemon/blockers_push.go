package daemon

import (
	"fmt"

	"github.com/sentrypeer/sentrypeer/internal/block"
	"github.com/sentrypeer/sentrypeer/internal/block/bgp"
	"github.com/sentrypeer/sentrypeer/internal/block/nft"
)

// pushBlockers returns constructors of the blockers the settings turn on.
// Each checks at start-up that it can work, so that a blocker that cannot
// (no CAP_NET_ADMIN, not Linux) stops the daemon with a clear message
// rather than retrying forever.
func (d *Daemon) pushBlockers() []func() (block.Blocker, error) {
	var out []func() (block.Blocker, error)
	if d.cfg.NFT {
		out = append(out, func() (block.Blocker, error) {
			b, err := nft.New(nft.Config{Table: d.cfg.NFTTable, SetsOnly: d.cfg.NFTSetsOnly})
			if err == nil {
				err = b.Check()
			}
			if err != nil {
				return nil, fmt.Errorf("--nft: %w", err)
			}
			return b, nil
		})
	}
	if d.cfg.BGPASN != 0 {
		out = append(out, func() (block.Blocker, error) {
			b, err := bgp.New(bgp.Config{ASN: d.cfg.BGPASN, RouterID: d.cfg.BGPRouterID, Listen: d.cfg.BGPListen,
				Neighbors: d.cfg.BGPNeighbors, ExtraCommunities: d.cfg.BGPCommunities, LargeCommunities: d.cfg.BGPLargeCommunities,
				NextHopV4: d.cfg.BGPNextHopV4, NextHopV6: d.cfg.BGPNextHopV6, MaxPrefixes: d.cfg.BGPMaxPrefixes},
				d.logger.With("component", "bgp"))
			if err != nil {
				return nil, fmt.Errorf("BGP: %w", err)
			}
			return b, nil
		})
	}
	return out
}
