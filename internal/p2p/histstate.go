package p2p

import (
	"slices"
	"sync"
	"time"

	"github.com/libp2p/go-libp2p/core/peer"
)

// HistoryState is what became of this node's requests for one peer's
// history (the records the peer stored before the two connected), as
// [PeerInfo.History] reports it.
type HistoryState string

const (
	// HistoryNone: the peer serves no history (it does not share), or this
	// node does not share and so asks for none.
	HistoryNone HistoryState = "none"
	// HistoryPending: not asked yet, or no answer (the request failed). A
	// node asks one peer at a time until one serves it, then one peer every
	// SyncInterval, so most peers stay pending.
	HistoryPending HistoryState = "pending"
	// HistoryReceived: the peer served its history when last asked.
	HistoryReceived HistoryState = "received"
	// HistoryRefused: the peer refused when last asked, because it holds no
	// record from this node: see [PeerInfo.HistoryRefusedReason].
	HistoryRefused HistoryState = "refused"
)

// Why a peer refused history, as far as this node can tell: the refusal
// carries no reason, but a peer refuses only nodes whose records it does
// not hold (and that it does not trust).
const (
	reasonNotShared = "this node has not shared a record yet"
	reasonNotStored = "the peer holds no recent record from this node"
)

// peerHistory is the last answer of one peer to a request for its history.
type peerHistory struct {
	state  HistoryState // HistoryReceived or HistoryRefused
	reason string       // with HistoryRefused: reasonNotShared or reasonNotStored
	at     time.Time    // with HistoryRefused: the last refusal
	// reasked: since the peer last refused a regular request, it was asked
	// again after this node shared a record (syncLoop), and refused then
	// too. It is not asked again that way until it refuses a regular one.
	reasked bool
}

// histories is the last answer of each connected peer to a request for its
// history. Safe for concurrent use.
type histories struct {
	mu sync.Mutex
	m  map[peer.ID]peerHistory
}

func newHistories() *histories { return &histories{m: map[peer.ID]peerHistory{}} }

func (h *histories) get(p peer.ID) (peerHistory, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	ph, ok := h.m[p]
	return ph, ok
}

func (h *histories) received(p peer.ID) {
	h.mu.Lock()
	h.m[p] = peerHistory{state: HistoryReceived}
	h.mu.Unlock()
}

// refused notes a refusal by p at at, and reports whether it is news: the
// first refusal, or another reason than the last one.
func (h *histories) refused(p peer.ID, reason string, at time.Time) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	old := h.m[p]
	h.m[p] = peerHistory{state: HistoryRefused, reason: reason, at: at}
	return old.state != HistoryRefused || old.reason != reason
}

// toReask returns, sorted, the peers that refused a regular request and
// were not asked again since.
func (h *histories) toReask() []peer.ID {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []peer.ID
	for p, ph := range h.m {
		if ph.state == HistoryRefused && !ph.reasked {
			out = append(out, p)
		}
	}
	slices.Sort(out)
	return out
}

// reasked marks ps, asked again after this node shared, as done with that:
// those still refusing are left to the regular syncs.
func (h *histories) reasked(ps []peer.ID) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, p := range ps {
		if ph, ok := h.m[p]; ok && ph.state == HistoryRefused {
			ph.reasked = true
			h.m[p] = ph
		}
	}
}

// forget drops the answers of peers no longer connected, to bound them; a
// peer that comes back is asked as a new one.
func (h *histories) forget(connected func(peer.ID) bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for p := range h.m {
		if !connected(p) {
			delete(h.m, p)
		}
	}
}
