package p2p

import (
	"testing"

	"github.com/libp2p/go-libp2p/core/peer"
)

func TestJoinedPeersOncePerConnectedSpell(t *testing.T) {
	var j joinedPeers
	a, b := peer.ID("a"), peer.ID("b")
	steps := []struct {
		left bool
		p    peer.ID
		want bool
	}{
		{p: a, want: true},
		{p: a, want: false}, // a second connection
		{p: b, want: true},
		{left: true, p: a},
		{p: a, want: true}, // reconnected
		{p: b, want: false},
	}
	for i, s := range steps {
		if s.left {
			j.left(s.p)
			continue
		}
		if got := j.first(s.p); got != s.want {
			t.Errorf("step %d: first(%s) = %v, want %v", i, s.p, got, s.want)
		}
	}
	for i := range maxJoined + 1 {
		j.first(peer.ID(rune(i)))
	}
	if len(j.asked) > maxJoined {
		t.Errorf("%d peers remembered, want at most %d", len(j.asked), maxJoined)
	}
}
