package p2p

import (
	"context"

	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/sentrypeer/sentrypeer/internal/record"
)

// maxBatch bounds one Receive call.
const maxBatch = 256

// deliver hands queued gossip records to Received until ctx is done. It
// takes what is queued at once, up to maxBatch, without waiting for more:
// one record alone goes out at once, a burst goes out in batches. A batch
// holds records from one delivering peer, as Receive takes one.
func (n *Node) deliver(ctx context.Context) {
	batch := make([]delivery, 0, maxBatch)
	for {
		select {
		case <-ctx.Done():
			return
		case d := <-n.queue:
			batch = append(batch[:0], d)
		}
	more:
		for len(batch) < maxBatch {
			select {
			case d := <-n.queue:
				batch = append(batch, d)
			default:
				break more
			}
		}
		for len(batch) > 0 {
			from := batch[0].from
			recs := make([]*record.Record, 0, len(batch))
			rest := batch[:0]
			for _, d := range batch {
				if d.from == from {
					recs = append(recs, d.rec)
				} else {
					rest = append(rest, d)
				}
			}
			n.receive(ctx, recs, from)
			batch = rest
		}
	}
}

func (n *Node) receive(ctx context.Context, recs []*record.Record, from peer.ID) error {
	err := n.cfg.Received.Receive(ctx, recs, from)
	if err != nil && ctx.Err() == nil {
		n.stats.receiveErrors.Add(1)
		n.log.Warn("storing received records failed", "peer", from, "records", len(recs), "err", err)
	}
	return err
}
