package daemon

import (
	"context"
	"sync"

	"github.com/sentrypeer/sentrypeer/internal/block"
	"github.com/sentrypeer/sentrypeer/internal/block/bgp"
	"github.com/sentrypeer/sentrypeer/internal/block/crowdsec"
	"github.com/sentrypeer/sentrypeer/internal/block/nft"
	"github.com/sentrypeer/sentrypeer/internal/decision"
	"github.com/sentrypeer/sentrypeer/internal/metrics"
)

// blockerSet is every blocker the daemon runs: the pushed ones (nftables),
// each behind a runner, and the CrowdSec bouncers, which pull.
type blockerSet struct {
	runners []*block.Runner
	lapi    *crowdsec.Handler // nil without the API
	nft     *nft.Blocker      // nil without --nft
	bgp     *bgp.Blocker      // nil without --bgp-asn
	// nftOwnsRules: the blocker owns its chain and rules (not
	// --nft-sets-only), so their counters are its drops.
	nftOwnsRules bool
}

// drops reads the nftables chain's counters; nil without --nft or with
// --nft-sets-only (the operator's rules count then).
func (s *blockerSet) drops() metrics.DropCounter {
	if s.nft == nil || !s.nftOwnsRules {
		return nil
	}
	return func() (map[string]uint64, error) {
		d, err := s.nft.Dropped()
		if err != nil {
			return nil, err
		}
		return map[string]uint64{"ipv4": d.IPv4.Packets, "ipv6": d.IPv6.Packets}, nil
	}
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
		case *bgp.Blocker:
			set.bgp = b
		}
		set.runners = append(set.runners, block.New(dec, b, cfg))
	}
	if d.cfg.APIEnabled() {
		h, err := crowdsec.New(crowdsec.Config{Decisions: dec, KeysFile: d.cfg.DataPath(crowdsec.KeysFile),
			Logger: d.logger.With("component", "crowdsec")})
		if err != nil {
			return nil, err
		}
		set.lapi = h
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
	if s.lapi != nil {
		for _, b := range s.lapi.Bouncers() {
			out = append(out, block.Status{Name: "crowdsec bouncer " + b.Name, InSync: !b.LastPull.IsZero(), Held: b.Holds, LastSync: b.LastPull})
		}
	}
	return out
}
