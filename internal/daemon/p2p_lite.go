//go:build lite

package daemon

import (
	"context"
	"net/netip"

	"github.com/sentrypeer/sentrypeer/internal/event"
	"github.com/sentrypeer/sentrypeer/internal/httpapi"
	"github.com/sentrypeer/sentrypeer/internal/store"
)

// peerSet is empty in lite builds: they leave the peer-to-peer engine
// (internal/p2p, libp2p) out, and config refuses its settings, so there
// never is one.
type peerSet struct{}

// peers says that this node does not share and receives nothing, since
// sharing is on by default in full builds.
func (d *Daemon) peers(context.Context, *event.Bus, *store.Store, *sinkSet) (*peerSet, error) {
	d.logger.Warn("peer-to-peer sharing is not in this build (lite): this node shares nothing and receives nothing from peers; " +
		"use the full build to share")
	return nil, nil
}

func (*peerSet) run(context.Context) error { return nil }

func (*peerSet) startAttrs() []any { return []any{"sharing", false, "build", "lite"} }

// peersAPI: /api/v1/peers says the node does not share, and there is no
// /api/v1/reports.
func (d *Daemon) peersAPI(*peerSet, *store.Store) (httpapi.Peers, httpapi.Reports) { return nil, nil }

// trustedKeys: --p2p-trust is refused in lite builds.
func trustedKeys([]string) ([][32]byte, error) { return nil, nil }

// bootstrapAddrs: -b is refused in lite builds.
func bootstrapAddrs([]string) []netip.Addr { return nil }
