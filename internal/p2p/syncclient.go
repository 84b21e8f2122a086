package p2p

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"slices"
	"sync"
	"time"

	"github.com/libp2p/go-libp2p/core/event"
	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/sentrypeer/sentrypeer/internal/record"
)

const (
	// syncLimit is what we ask per request: small enough that a broken
	// stream loses little (the cursor moves per request), large enough
	// that catching up on 7 days takes few round trips.
	syncLimit = 2000
	// maxRounds bounds one sync session with a peer (20 million records).
	maxRounds = 10000
	// joinRetryWait is the first wait before a failed catch-up sync is
	// tried again; it doubles up to SyncInterval.
	joinRetryWait = 2 * time.Second
)

// syncLoop makes sync requests: it catches up from peers as they connect,
// one at a time, until one sync succeeded within SyncInterval; and every
// SyncInterval it syncs from one connected peer, to fill gaps gossip left.
// Peers that refused it history (it had shared nothing) are asked again
// soon after it shares a record, on the same one-at-a-time terms.
func (n *Node) syncLoop(ctx context.Context) {
	joined := make(chan peer.ID, 64)
	var asked joinedPeers
	sub, err := n.host.EventBus().Subscribe([]any{
		new(event.EvtPeerIdentificationCompleted),
		new(event.EvtPeerConnectednessChanged),
	})
	if err != nil {
		n.log.Error("cannot watch new peers; syncing only every interval", "err", err)
	} else {
		var reader sync.WaitGroup
		defer reader.Wait()
		defer sub.Close() // ends the reader
		// The event bus blocks its emitter (identify) while a subscriber
		// is full: read it at once, and drop peers if syncs fall behind.
		reader.Go(func() {
			for ev := range sub.Out() {
				switch e := ev.(type) {
				case event.EvtPeerConnectednessChanged:
					if e.Connectedness != network.Connected {
						asked.left(e.Peer)
					}
				case event.EvtPeerIdentificationCompleted:
					if !slices.Contains(e.Protocols, SyncProtocol) {
						continue
					}
					select {
					case joined <- e.Peer:
					default:
					}
				}
			}
		})
	}
	// Peers identified before the subscription (bootstrap dials start
	// first) would otherwise wait a whole SyncInterval.
	for _, p := range n.host.Network().Peers() {
		if ok, _ := n.host.Peerstore().SupportsProtocols(p, SyncProtocol); len(ok) > 0 {
			select {
			case joined <- p:
			default:
			}
		}
	}
	tick := time.NewTicker(n.cfg.SyncInterval)
	defer tick.Stop()
	// retry brings a catch-up that failed (a busy peer, a stream reset
	// while the connection settles) forward from the tick: after 2 s, then
	// doubling up to SyncInterval, until one succeeds.
	retry := time.NewTimer(time.Hour)
	retry.Stop()
	defer retry.Stop()
	wait := joinRetryWait
	var lastOK time.Time
	caughtUp := func() bool { return !lastOK.IsZero() && n.now().Sub(lastOK) < n.cfg.SyncInterval }
	done := func(err error) {
		switch {
		case err == nil:
			lastOK, wait = n.now(), joinRetryWait
			retry.Stop()
		case errors.Is(err, errSyncRefused):
			// Refused until we contribute: again (below) asks once we have,
			// else the tick.
		case ctx.Err() == nil && !caughtUp():
			retry.Reset(wait)
			wait = min(2*wait, n.cfg.SyncInterval)
		}
	}
	// again asks the peers that refused history again, soon after this
	// node shared a record, instead of at the tick: a newcomer gets the
	// history as soon as its first attacker is reported (reaskAfter).
	again := time.NewTimer(time.Hour)
	again.Stop()
	defer again.Stop()
	var reask []peer.ID // the peers being asked again; nil when none are
	tries := 0
	startReask := func() {
		if reask != nil || caughtUp() || n.stats.published.Load() == 0 {
			return
		}
		if reask = n.hists.toReask(); len(reask) == 0 {
			reask = nil
			return
		}
		tries = 0
		d, _ := reaskAfter(0)
		again.Reset(d)
	}
	for {
		select {
		case <-ctx.Done():
			return
		case p := <-joined:
			if n.blocks.blocked(p) || n.host.Network().Connectedness(p) != network.Connected {
				continue
			}
			if caughtUp() {
				continue // gossip carries the rest
			}
			// Once per connected spell: a peer comes from the list of
			// peers and from the event bus, and once per connection.
			if !asked.first(p) {
				continue
			}
			done(n.syncFrom(ctx, p))
		case <-retry.C:
			if !caughtUp() {
				done(n.syncAny(ctx))
			}
		case <-tick.C:
			done(n.syncAny(ctx))
		case <-n.shared:
		case <-again.C:
			reask = n.reaskRefused(ctx, reask, caughtUp, done)
			tries++
			if d, ok := reaskAfter(tries); ok && len(reask) > 0 && !caughtUp() {
				again.Reset(d)
				break
			}
			n.hists.reasked(reask)
			reask = nil
		}
		// After any of these: a refusal (by a peer that joined, at the
		// tick), or a record shared.
		startReask()
	}
}

// syncAny syncs from one connected peer that serves history, trying them
// in random order until one succeeds; it returns the last error.
func (n *Node) syncAny(ctx context.Context) error {
	peers := n.host.Network().Peers()
	rand.Shuffle(len(peers), func(i, j int) { peers[i], peers[j] = peers[j], peers[i] })
	err := errNoSyncPeer
	for _, p := range peers {
		if ok, _ := n.host.Peerstore().SupportsProtocols(p, SyncProtocol); len(ok) == 0 || n.blocks.blocked(p) {
			continue
		}
		if err = n.syncFrom(ctx, p); err == nil {
			return nil
		}
	}
	return err
}

// errNoSyncPeer: no connected peer serves history.
var errNoSyncPeer = errors.New("p2p: no connected peer serves history")

// syncFrom asks p for the records after our cursor for it, round after
// round until p has no more, moving the cursor after each complete round.
func (n *Node) syncFrom(ctx context.Context, p peer.ID) error {
	for range maxRounds {
		after := n.cursors.get(p)
		more, cur, err := n.syncOnce(ctx, p, after, syncLimit)
		switch {
		case errors.Is(err, errSyncRefused):
			n.stats.syncRefusedBy.Add(1)
			reason := reasonNotShared
			if n.stats.published.Load() > 0 {
				reason = reasonNotStored
			}
			lvl := slog.LevelDebug
			if n.hists.refused(p, reason, n.now()) {
				lvl = slog.LevelInfo // news: once per peer and reason
			}
			n.log.Log(ctx, lvl, "peer refused sync: it serves history only to nodes whose records it holds", "peer", p, "reason", reason)
			return err
		case err != nil:
			n.stats.syncFailed.Add(1)
			if ctx.Err() == nil {
				n.log.Debug("sync failed", "peer", p, "err", err)
			}
			return err
		}
		// Only forward: a cursor going back would mean the peer lost its
		// history, and rereading it all is not worth the risk of a loop.
		if cur > after {
			n.cursors.set(p, cur, n.now())
		}
		if !more || cur <= after {
			n.hists.received(p)
			return nil
		}
	}
	n.hists.received(p)
	return nil
}

// syncOnce makes one request and hands the new valid records it gets to
// Received, in batches. It returns whether the peer may have more, and the
// cursor it ended with. The cursor is only meaningful without an error:
// records delivered before an error are kept, and asked for again next time.
func (n *Node) syncOnce(ctx context.Context, p peer.ID, after uint64, limit int) (bool, uint64, error) {
	n.stats.syncRequests.Add(1)
	ctx, cancel := context.WithTimeout(ctx, syncTimeout)
	defer cancel()
	st, err := n.host.NewStream(ctx, p, SyncProtocol)
	if err != nil {
		return false, 0, err
	}
	ok := false
	// Stream reads see deadlines, not contexts: reset on cancel so that
	// shutdown does not wait for a slow peer.
	stop := context.AfterFunc(ctx, func() { st.Reset() })
	defer func() {
		stop()
		if ok {
			st.Close()
		} else {
			st.Reset()
		}
	}()
	st.SetDeadline(n.now().Add(syncTimeout))
	if _, err := st.Write(appendRequest(nil, after, limit)); err != nil {
		return false, 0, err
	}
	// The server may answer and close its side (over QUIC: stop our
	// sending) as soon as it has read the request, before our end of
	// stream goes out; then CloseWrite fails although the answer is there
	// to read. A stream that is really broken fails the read.
	_ = st.CloseWrite()
	r := bufio.NewReader(st)
	status, err := r.ReadByte()
	if err != nil {
		return false, 0, err
	}
	if err := statusErr(status); err != nil {
		ok = true
		return false, 0, err
	}
	got, accepted := 0, 0
	var batch []*record.Record
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		from := make([]peer.ID, len(batch))
		for i := range from {
			from[i] = p
		}
		if err := n.receive(ctx, batch, from); err != nil {
			return err
		}
		accepted += len(batch)
		n.stats.receivedSync.Add(uint64(len(batch)))
		n.stats.received(p, len(batch))
		batch = nil
		return nil
	}
	for {
		f, err := readFrame(r)
		if err != nil {
			return false, 0, err
		}
		if f.end {
			if err := flush(); err != nil {
				return false, 0, err
			}
			ok = true
			n.log.Debug("synced", "peer", p, "after", after, "records", got, "accepted", accepted, "cursor", f.cur)
			return f.more, f.cur, nil
		}
		if got++; got > limit {
			return false, 0, fmt.Errorf("%w: more records than asked for", errSyncBad)
		}
		rec, err := n.checkSynced(f.rec, n.now())
		if errors.Is(err, errForged) {
			n.cutOff(p, "forged record in sync")
			return false, 0, err
		}
		if err != nil {
			return false, 0, fmt.Errorf("%w: %w", errSyncBad, err)
		}
		if rec != nil {
			if batch = append(batch, rec); len(batch) == maxBatch {
				if err := flush(); err != nil {
					return false, 0, err
				}
			}
		}
	}
}
