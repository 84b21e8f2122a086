// Package history keeps the records shared over the peer-to-peer network:
// it stores peers' records (and this node's own) in the store, indexes
// peers' records so that checks and lists include them, and serves the
// history that the sync protocol hands to other nodes.
//
// It sits between the peer-to-peer engine and the sinks: the engine hands
// it records it has validated ([History.Receive]) and asks it for history
// ([History.Since], [History.Contributed]); it hands this node's own
// records to the engine after storing them ([History.Publish]).
package history

import (
	"context"
	"crypto/ed25519"
	"fmt"
	"log/slog"
	"net/netip"
	"sync"
	"time"

	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/sentrypeer/sentrypeer/internal/index"
	"github.com/sentrypeer/sentrypeer/internal/record"
	"github.com/sentrypeer/sentrypeer/internal/store"
)

// Store is where records are kept; *store.Store is one.
type Store interface {
	AddShared(ctx context.Context, recs []store.Shared) ([]store.Shared, error)
	SharedSince(ctx context.Context, after uint64, limit int) ([]store.Shared, uint64, error)
	ScanShared(ctx context.Context, fn func(*store.Shared) error) error
	PeersReports(ctx context.Context, ip netip.Addr, limit int) ([]store.Shared, error)
}

// Index is what checks read; *index.Index is one.
type Index interface {
	AddReports(reports ...index.Report)
}

// History is safe for concurrent use.
type History struct {
	st     Store
	idx    Index // nil when nothing reads an index (the API is off)
	maxAge time.Duration
	now    func() time.Time
	logger *slog.Logger

	mu sync.Mutex
	// contributed holds, per reporter, the newest last sighting of its
	// records: the sync protocol serves history to recent contributors.
	contributed map[[32]byte]int64
}

// New returns a History over st and idx (which may be nil). Records are
// kept for maxAge.
func New(st Store, idx Index, maxAge time.Duration, logger *slog.Logger) *History {
	return &History{st: st, idx: idx, maxAge: maxAge, now: time.Now, logger: logger, contributed: make(map[[32]byte]int64)}
}

func (h *History) noteContributor(s *store.Shared) {
	h.mu.Lock()
	h.contributed[s.Reporter] = max(h.contributed[s.Reporter], s.Last.UnixNano())
	h.mu.Unlock()
}

func (h *History) addReports(reports ...index.Report) {
	if h.idx != nil {
		h.idx.AddReports(reports...)
	}
}

// Load indexes the peers' records the store holds; call it at start-up,
// before records arrive.
func (h *History) Load(ctx context.Context) (int, error) {
	n := 0
	batch := make([]index.Report, 0, 1024)
	err := h.st.ScanShared(ctx, func(s *store.Shared) error {
		if s.Via == "" {
			return nil // our own: the index has the events themselves
		}
		h.noteContributor(s)
		batch = append(batch, report(s))
		if len(batch) == cap(batch) {
			h.addReports(batch...)
			n += len(batch)
			batch = batch[:0]
		}
		return nil
	})
	h.addReports(batch...)
	n += len(batch)
	if err != nil {
		return n, fmt.Errorf("history: loading: %w", err)
	}
	return n, nil
}

// Receive stores records the engine accepted, recs[i] through peer
// from[i], and indexes those that were new.
func (h *History) Receive(ctx context.Context, recs []*record.Record, from []peer.ID) error {
	if len(from) != len(recs) {
		return fmt.Errorf("history: %d records from %d peers", len(recs), len(from))
	}
	added, err := h.add(ctx, recs, func(i int) string { return from[i].String() })
	if err != nil {
		return err
	}
	reports := make([]index.Report, len(added))
	for i := range added {
		h.noteContributor(&added[i])
		reports[i] = report(&added[i])
	}
	h.addReports(reports...)
	return nil
}

// Publish stores this node's own records, so that sync can serve them, and
// returns them for the engine to publish.
func (h *History) Publish(ctx context.Context, recs []*record.Record) error {
	_, err := h.add(ctx, recs, func(int) string { return "" })
	return err
}

// add stores recs, recs[i] received through via(i) ("" for our own).
func (h *History) add(ctx context.Context, recs []*record.Record, via func(i int) string) ([]store.Shared, error) {
	rows := make([]store.Shared, 0, len(recs))
	for i, r := range recs {
		data, err := record.Marshal(r)
		if err != nil {
			h.logger.Warn("dropping a record that does not encode", "err", err, "via", via(i))
			continue
		}
		rows = append(rows, shared(r, data, via(i)))
	}
	return h.st.AddShared(ctx, rows)
}

// Since returns up to limit records, ours and peers', stored after
// sequence after, and the last sequence.
func (h *History) Since(ctx context.Context, after uint64, limit int) ([]*record.Record, uint64, error) {
	rows, last, err := h.st.SharedSince(ctx, after, limit)
	if err != nil {
		return nil, after, err
	}
	out := make([]*record.Record, 0, len(rows))
	for _, s := range rows {
		r, err := record.Unmarshal(s.Data)
		if err != nil {
			h.logger.Warn("stored shared record does not decode; skipped", "seq", s.Seq, "err", err)
			continue
		}
		out = append(out, r)
	}
	return out, last, nil
}

// Contributed reports whether the peer with this key shared a record in
// the retention window.
func (h *History) Contributed(key ed25519.PublicKey) bool {
	if len(key) != ed25519.PublicKeySize {
		return false
	}
	h.mu.Lock()
	last, ok := h.contributed[[32]byte(key)]
	h.mu.Unlock()
	return ok && last >= h.now().Add(-h.maxAge).UnixNano()
}

func shared(r *record.Record, data []byte, via string) store.Shared {
	s := store.Shared{
		SourceIP: r.SourceIP, Number: r.CalledNumber, Method: r.Method, UserAgent: r.UserAgent,
		Transport: r.Transport, First: r.FirstSeen, Last: r.LastSeen, Count: r.Count, Via: via, Data: data,
	}
	copy(s.Reporter[:], r.Reporter)
	return s
}

func report(s *store.Shared) index.Report {
	return index.Report{
		SourceIP: s.SourceIP, Number: s.Number, Method: s.Method, UserAgent: s.UserAgent,
		First: s.First, Last: s.Last, Count: s.Count, Reporter: s.Reporter,
	}
}
