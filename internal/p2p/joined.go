package p2p

import (
	"sync"

	"github.com/libp2p/go-libp2p/core/peer"
)

// joinedPeers holds the peers asked for history since they last connected.
// Identify completes once per connection, and a peer often has two (each
// side dialled, or TCP and QUIC), sometimes seconds apart: it joined once,
// and a second request would only be refused or served again.
type joinedPeers struct {
	mu    sync.Mutex
	asked map[peer.ID]struct{} // bounded: cleared past maxJoined
}

const maxJoined = 1024

// first reports whether p is to be asked now, and remembers it.
func (j *joinedPeers) first(p peer.ID) bool {
	j.mu.Lock()
	defer j.mu.Unlock()
	if _, ok := j.asked[p]; ok {
		return false
	}
	if j.asked == nil || len(j.asked) >= maxJoined {
		j.asked = make(map[peer.ID]struct{})
	}
	j.asked[p] = struct{}{}
	return true
}

// left forgets p, which has no connection left: it joins again when it
// reconnects.
func (j *joinedPeers) left(p peer.ID) {
	j.mu.Lock()
	defer j.mu.Unlock()
	delete(j.asked, p)
}
