package p2p

import (
	"context"
	"time"

	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/sentrypeer/sentrypeer/internal/record"
)

// maxBatch bounds one Receive call.
const maxBatch = 256

// Each Receive call is a database commit: about 300 µs of CPU, and three
// 16 KiB pages written to the WAL, whether it holds one record or 256. So
// after a call that took d, deliver gathers records for gapFactor·d (at
// most maxCommitGap) before the next: commits take at most about a tenth
// of the time, a record after a quiet spell goes out at once, and under
// load, when commits slow down, batches grow.
const (
	gapFactor    = 10
	maxCommitGap = 20 * time.Millisecond
)

// deliver hands queued gossip records to Received until ctx is done, in
// batches of up to maxBatch, spaced as gapFactor says.
func (n *Node) deliver(ctx context.Context) {
	recs := make([]*record.Record, 0, maxBatch)
	from := make([]peer.ID, 0, maxBatch)
	var next time.Time // no call before
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			n.deliverRest(ctx, recs, from)
			return
		case d := <-n.queue:
			recs, from = append(recs, d.rec), append(from, d.from)
		}
		if wait := time.Until(next); wait > 0 {
			timer.Reset(wait)
		gather:
			for len(recs) < maxBatch {
				select {
				case d := <-n.queue:
					recs, from = append(recs, d.rec), append(from, d.from)
				case <-timer.C:
					break gather
				case <-ctx.Done():
					n.deliverRest(ctx, recs, from)
					return
				}
			}
			timer.Stop()
		}
	more:
		for len(recs) < maxBatch {
			select {
			case d := <-n.queue:
				recs, from = append(recs, d.rec), append(from, d.from)
			default:
				break more
			}
		}
		start := time.Now()
		n.receive(ctx, recs, from)
		took := time.Since(start)
		next = start.Add(took + min(gapFactor*took, maxCommitGap))
		recs, from = make([]*record.Record, 0, maxBatch), make([]peer.ID, 0, maxBatch)
	}
}

// deliverRest stores, at shutdown, what was gathered and what is still
// queued: those records were accepted, and peers will not send them again.
func (n *Node) deliverRest(ctx context.Context, recs []*record.Record, from []peer.ID) {
	for {
		select {
		case d := <-n.queue:
			recs, from = append(recs, d.rec), append(from, d.from)
			continue
		default:
		}
		break
	}
	if len(recs) > 0 {
		n.receive(context.WithoutCancel(ctx), recs, from)
	}
}

func (n *Node) receive(ctx context.Context, recs []*record.Record, from []peer.ID) error {
	err := n.cfg.Received.Receive(ctx, recs, from)
	if err != nil && ctx.Err() == nil {
		n.stats.receiveErrors.Add(1)
		n.log.Warn("storing received records failed", "peer", from[0], "records", len(recs), "err", err)
	}
	return err
}
