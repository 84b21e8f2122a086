package daemon

import (
	"fmt"

	"github.com/sentrypeer/sentrypeer/internal/block"
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
		out = append(out, d.bgpBlocker)
	}
	return out
}
