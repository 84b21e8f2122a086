package daemon

import (
	"context"
	"net/http"
	"sync"

	"github.com/sentrypeer/sentrypeer/internal/block"
	"github.com/sentrypeer/sentrypeer/internal/block/nft"
	"github.com/sentrypeer/sentrypeer/internal/decision"
)

// blockerSet is every blocker the daemon runs: the pushed ones (nftables),
// each behind a runner, and the CrowdSec bouncers, which pull.
type blockerSet struct {
	runners []*block.Runner
	// lapi serves the CrowdSec bouncers' endpoints, and bouncers says how
	// they are; both nil without the API (and in lite builds).
	lapi     http.Handler
	bouncers func() []block.Status
	nft      *nft.Blocker // nil without --nft
	bgp      speaker      // nil without --bgp-asn (and in lite builds)
	// nftOwnsRules: the blocker owns its chain and rules (not
	// --nft-sets-only), so their counters are its drops.
	nftOwnsRules bool
}

// speaker is a pushed blocker that also runs on its own: the BGP speaker
// (*bgp.Blocker), which keeps its sessions up.
type speaker interface {
	block.Blocker
	Serve(ctx context.Context) error
}

// blockers builds the configured blockers over dec; nothing runs yet.
func (d *Daemon) blockers(dec *decision.Engine) (*blockerSet, error) {
	set := &blockerSet{}
	cfg := block.Config{Reconcile: d.cfg.BlockReconcile, Logger: d.logger}
	for _, mk := range d.pushBlockers() {
		b, err := mk()
		if err != nil {
			return nil, err
		}
		switch b := b.(type) {
		case *nft.Blocker:
			set.nft, set.nftOwnsRules = b, !d.cfg.NFTSetsOnly
		case speaker:
			set.bgp = b
		}
		set.runners = append(set.runners, block.New(dec, b, cfg))
	}
	if d.cfg.APIEnabled() {
		if err := d.bouncerAPI(set, dec); err != nil {
			return nil, err
		}
	}
	return set, nil
}

// run runs every pushed blocker (and the BGP speaker) until ctx is done;
// it returns the speaker's error if it cannot start.
func (s *blockerSet) run(ctx context.Context) error {
	var wg sync.WaitGroup
	var err error
	if s.bgp != nil {
		wg.Go(func() { err = s.bgp.Serve(ctx) })
	}
	for _, r := range s.runners {
		wg.Go(func() { r.Run(ctx) })
	}
	wg.Wait()
	return err
}

// Status reports each blocker, bouncers included (a bouncer is in sync
// once it has pulled since the daemon started).
func (s *blockerSet) Status() []block.Status {
	var out []block.Status
	for _, r := range s.runners {
		out = append(out, r.Status())
	}
	if s.bouncers != nil {
		out = append(out, s.bouncers()...)
	}
	return out
}
