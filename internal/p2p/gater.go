package p2p

import (
	"sync"
	"time"

	pubsub "github.com/libp2p/go-libp2p-pubsub"
	"github.com/libp2p/go-libp2p/core/connmgr"
	"github.com/libp2p/go-libp2p/core/control"
	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/multiformats/go-multiaddr"
)

// blockFor is how long a misbehaving peer is refused. Long enough to make
// abuse expensive (a new identity must find us again), short enough that a
// node fixed by its operator comes back without a restart of ours.
const blockFor = time.Hour

// blocklist holds peers refused until a deadline. It is the host's
// connection gater and pubsub's blacklist at once, so a blocked peer can
// neither connect nor have its messages processed. Safe for concurrent use.
type blocklist struct {
	now     func() time.Time
	trusted map[peer.ID]bool

	mu    sync.Mutex
	until map[peer.ID]time.Time
}

var (
	_ connmgr.ConnectionGater = (*blocklist)(nil)
	_ pubsub.Blacklist        = (*blocklist)(nil)
)

func newBlocklist(now func() time.Time, trusted []peer.ID) *blocklist {
	b := &blocklist{now: now, trusted: map[peer.ID]bool{}, until: map[peer.ID]time.Time{}}
	for _, p := range trusted {
		b.trusted[p] = true
	}
	return b
}

// block refuses p for d; it reports false if p is trusted (never blocked)
// or was already blocked.
func (b *blocklist) block(p peer.ID, d time.Duration) bool {
	if b.trusted[p] {
		return false
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	now := b.now()
	if t, ok := b.until[p]; ok && now.Before(t) {
		return false
	}
	b.until[p] = now.Add(d)
	return true
}

// Add is pubsub's Blacklist.Add, used by PubSub.BlacklistPeer.
func (b *blocklist) Add(p peer.ID) bool { return b.block(p, blockFor) }

// Contains is pubsub's Blacklist.Contains.
func (b *blocklist) Contains(p peer.ID) bool { return b.blocked(p) }

func (b *blocklist) blocked(p peer.ID) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	t, ok := b.until[p]
	return ok && b.now().Before(t)
}

// expire forgets entries whose time is up; it returns how many are left.
func (b *blocklist) expire() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	now := b.now()
	for p, t := range b.until {
		if !now.Before(t) {
			delete(b.until, p)
		}
	}
	return len(b.until)
}

func (b *blocklist) InterceptPeerDial(p peer.ID) bool { return !b.blocked(p) }

func (b *blocklist) InterceptAddrDial(peer.ID, multiaddr.Multiaddr) bool { return true }

func (b *blocklist) InterceptAccept(network.ConnMultiaddrs) bool { return true }

func (b *blocklist) InterceptSecured(_ network.Direction, p peer.ID, _ network.ConnMultiaddrs) bool {
	return !b.blocked(p)
}

func (b *blocklist) InterceptUpgraded(network.Conn) (bool, control.DisconnectReason) {
	return true, 0
}
