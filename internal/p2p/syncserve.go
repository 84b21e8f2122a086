package p2p

import (
	"bufio"
	"context"
	"crypto/ed25519"
	"fmt"
	"io"
	"time"

	pb "github.com/libp2p/go-libp2p/core/crypto/pb"
	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/sentrypeer/sentrypeer/internal/record"
)

const (
	// syncTimeout bounds one sync request, both sides.
	syncTimeout = time.Minute
	// requestTimeout bounds reading a request (a few bytes).
	requestTimeout = 10 * time.Second
	// maxServing bounds the sync requests served at once.
	maxServing = 8
	// Per-peer budget of requests served: a burst covers a resumed
	// catch-up of several rounds.
	serveRate  = 1.0
	serveBurst = 30
)

// allowed reports whether p may receive history: trusted, or a reporter of
// records stored here.
func (n *Node) allowed(p peer.ID) bool {
	if n.blocks.trusted[p] {
		return true
	}
	if n.cfg.History == nil {
		return false
	}
	pk, err := p.ExtractPublicKey()
	if err != nil || pk.Type() != pb.KeyType_Ed25519 {
		return false
	}
	raw, err := pk.Raw()
	if err != nil || len(raw) != ed25519.PublicKeySize {
		return false
	}
	return n.cfg.History.Contributed(ed25519.PublicKey(raw))
}

// syncServer answers SyncProtocol streams while ctx is alive.
type syncServer struct {
	n       *Node
	ctx     context.Context
	slots   chan struct{}
	perPeer *limiter
}

func (n *Node) newSyncServer(ctx context.Context) *syncServer {
	return &syncServer{n: n, ctx: ctx, slots: make(chan struct{}, maxServing), perPeer: newLimiter(serveRate, serveBurst)}
}

func (s *syncServer) handle(st network.Stream) {
	n := s.n
	p := st.Conn().RemotePeer()
	now := n.now()
	st.SetDeadline(now.Add(syncTimeout))
	st.SetReadDeadline(now.Add(requestTimeout))
	after, limit, err := readRequest(bufio.NewReaderSize(io.LimitReader(st, 32), 32))
	if err != nil {
		n.log.Debug("bad sync request", "peer", p, "err", err)
		s.answer(st, statusBadRequest)
		return
	}
	if !n.allowed(p) {
		n.stats.syncRefused.Add(1)
		n.log.Debug("refusing sync to a peer that has not contributed", "peer", p)
		s.answer(st, statusRefused)
		return
	}
	if n.cfg.History == nil {
		s.answer(st, statusUnavailable)
		return
	}
	if !s.perPeer.allow(p, now) {
		s.answer(st, statusBusy)
		return
	}
	select {
	case s.slots <- struct{}{}:
		defer func() { <-s.slots }()
	default:
		s.answer(st, statusBusy)
		return
	}
	ctx, cancel := context.WithTimeout(s.ctx, syncTimeout)
	defer cancel()
	recs, last, err := n.cfg.History.Since(ctx, after, limit)
	if err == nil && len(recs) > limit {
		// The cursor would skip what we cannot send.
		err = fmt.Errorf("history returned %d records for a limit of %d", len(recs), limit)
	}
	if err != nil {
		n.log.Warn("reading history for sync failed", "peer", p, "err", err)
		s.answer(st, statusUnavailable)
		return
	}
	w := bufio.NewWriter(st)
	w.WriteByte(statusOK)
	// Records past the retention window are never relayed.
	cutoff := now.Add(-n.cfg.Limits.MaxAge)
	sent := 0
	for _, r := range recs {
		if r.LastSeen.Before(cutoff) {
			continue
		}
		b, err := record.Marshal(r)
		if err != nil {
			continue
		}
		if err := writeFrame(w, b); err != nil {
			st.Reset()
			return
		}
		sent++
	}
	if err := writeEnd(w, last, len(recs) == limit); err != nil || w.Flush() != nil {
		st.Reset()
		return
	}
	st.Close()
	n.stats.syncServed.Add(1)
	n.log.Debug("served sync", "peer", p, "after", after, "records", sent, "cursor", last)
}

func (s *syncServer) answer(st network.Stream, status byte) {
	if _, err := st.Write([]byte{status}); err != nil {
		st.Reset()
		return
	}
	st.Close()
}
