package p2p

import (
	"encoding/binary"
	"net/netip"
	"sync"
	"time"
)

const (
	// RelayExtra is how many reporters of a key a node relays beyond its
	// own quorum, so that nodes with a higher quorum, or that lose a copy,
	// still see enough.
	RelayExtra = 3
	// DefaultRelayLimit is how many distinct reporters of one (source IP,
	// called number) a node relays per RelayWindow: the default quorum (2)
	// and RelayExtra.
	DefaultRelayLimit = 2 + RelayExtra
	// DefaultRelayWindow is how long a relayed reporter of a key keeps its
	// slot; its later updates are relayed again in the next window.
	DefaultRelayWindow = 10 * time.Minute
	// maxRelayKeys bounds the keys tracked per window; past it records
	// are relayed unbounded, as before the bound existed, rather than lost.
	maxRelayKeys  = 1 << 16
	maxRelaySlots = 16
)

// relayKey is what blockers act on: who called which number.
type relayKey struct {
	ip     netip.Addr
	number string
}

// relaySlots are the reporters of one key relayed in the current window,
// by the first 8 bytes of their keys (2^64 work to collide with one).
type relaySlots struct {
	n         uint8
	reporters [maxRelaySlots]uint64
}

// relayBound decides which valid gossip records this node relays. The
// whole network holds every record, so relaying grows with reporters ×
// updates; but blockers need a quorum of reporters per key, not every one.
// So per (IP, number), each node relays the first `limit` distinct
// reporters in each window, and one record of each of them: later updates
// from a relayed reporter wait for the next window, and further reporters
// are stored here but not passed on. Traffic then grows with the attacker
// population, not the node count.
//
// Nodes decide alone, on what reached them first, so two nodes may relay
// different reporters of a key; each relays at most `limit`, which is what
// bounds the cost. Records not relayed are still served by sync.
type relayBound struct {
	limit  int
	window time.Duration

	mu      sync.Mutex
	current int64 // window number
	keys    map[relayKey]*relaySlots
}

// newRelayBound relays up to limit reporters per key per window (at most
// maxRelaySlots); a limit of 0 or less relays everything.
func newRelayBound(limit int, window time.Duration) *relayBound {
	return &relayBound{limit: min(limit, maxRelaySlots), window: window, keys: map[relayKey]*relaySlots{}}
}

// relay reports whether a record of (ip, number) by reporter, valid and
// new here, is to be passed on.
func (b *relayBound) relay(ip netip.Addr, number string, reporter []byte, now time.Time) bool {
	if b.limit <= 0 {
		return true
	}
	w := now.UnixNano() / int64(b.window)
	r := binary.BigEndian.Uint64(reporter[:8])
	k := relayKey{ip, number}

	b.mu.Lock()
	defer b.mu.Unlock()
	if w != b.current {
		b.current = w
		clear(b.keys)
	}
	s := b.keys[k]
	if s == nil {
		if len(b.keys) >= maxRelayKeys {
			return true
		}
		s = &relaySlots{}
		b.keys[k] = s
	}
	for _, have := range s.reporters[:s.n] {
		if have == r {
			return false // this reporter's update waits for the next window
		}
	}
	if int(s.n) >= b.limit {
		return false
	}
	s.reporters[s.n] = r
	s.n++
	return true
}
