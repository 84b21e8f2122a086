package p2p

import (
	"context"
	"time"

	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"
)

// A peer serves history only to nodes whose records it holds, so a node
// that joined before its first attacker was refused by every peer. Once it
// shares a record, it asks them again: not at once, since the record must
// reach them by gossip and be stored first (milliseconds on a quiet
// network), and a few times, for a loaded one.
const (
	// reaskWait is the wait before the first new request; it doubles for
	// each of the reaskTries: 0.3, 0.9, 2.1, 4.5 and 9.3 s after sharing.
	reaskWait  = 300 * time.Millisecond
	reaskTries = 5
)

// reaskAfter returns the wait before new request number try (from 0), and
// false when there are no more.
func reaskAfter(try int) (time.Duration, bool) {
	if try < 0 || try >= reaskTries {
		return 0, false
	}
	return reaskWait << try, true
}

// reaskRefused asks each of peers, which refused this node history, for it
// again, in turn until one serves it (caughtUp: one peer's history is what
// a catch-up needs, gossip carries the rest). It passes every result to
// done and returns the peers still to ask: those that did not serve it and
// are still connected, and those not asked.
func (n *Node) reaskRefused(ctx context.Context, peers []peer.ID, caughtUp func() bool, done func(error)) []peer.ID {
	var left []peer.ID
	for i, p := range peers {
		if caughtUp() || ctx.Err() != nil {
			return append(left, peers[i:]...)
		}
		if n.blocks.blocked(p) || n.host.Network().Connectedness(p) != network.Connected {
			continue
		}
		err := n.syncFrom(ctx, p)
		done(err)
		if err != nil {
			left = append(left, p)
			continue
		}
		n.log.Info("peer served history once this node had shared a record", "peer", p)
	}
	return left
}
