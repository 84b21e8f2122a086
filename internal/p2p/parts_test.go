package p2p

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/libp2p/go-libp2p/core/peer"
)

func TestSeenSet(t *testing.T) {
	s := newSeenSet(2)
	d := func(b byte) digest { return digestOf([]byte{b}) }
	steps := []struct {
		name  string
		add   byte
		isNew bool
	}{
		{"first", 1, true},
		{"again", 1, false},
		{"second fills the generation", 2, true},
		{"third starts a new one", 3, true},
		{"first still remembered", 1, false},
		{"fourth", 4, true},
		{"fifth drops the oldest generation", 5, true},
		{"first forgotten", 1, true},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			if got := s.add(d(st.add)); got != st.isNew {
				t.Errorf("add(%d) = %v, want %v", st.add, got, st.isNew)
			}
			if !s.has(d(st.add)) {
				t.Errorf("has(%d) = false after add", st.add)
			}
		})
	}
}

func TestLimiter(t *testing.T) {
	t0 := time.Unix(1000, 0)
	a, b := peer.ID("a"), peer.ID("b")
	l := newLimiter(10, 3)
	steps := []struct {
		name string
		p    peer.ID
		at   time.Duration
		want bool
	}{
		{"burst 1", a, 0, true},
		{"burst 2", a, 0, true},
		{"burst 3", a, 0, true},
		{"empty", a, 0, false},
		{"other peer has its own bucket", b, 0, true},
		{"refilled one token after 100 ms", a, 100 * time.Millisecond, true},
		{"and only one", a, 100 * time.Millisecond, false},
		{"refill capped at burst", a, time.Hour, true},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			if got := l.allow(st.p, t0.Add(st.at)); got != st.want {
				t.Errorf("allow = %v, want %v", got, st.want)
			}
		})
	}
	t.Run("prune forgets full buckets only", func(t *testing.T) {
		l := newLimiter(1, 2)
		l.allow(a, t0)
		l.allow(a, t0)
		l.allow(b, t0)
		l.prune(t0.Add(1500 * time.Millisecond)) // b full again, a not yet
		if _, ok := l.buckets[b]; ok {
			t.Errorf("full bucket kept")
		}
		if _, ok := l.buckets[a]; !ok {
			t.Errorf("partly empty bucket dropped")
		}
	})
}

func TestBlocklist(t *testing.T) {
	now := time.Unix(1000, 0)
	clock := func() time.Time { return now }
	bad, friend := peer.ID("bad"), peer.ID("friend")
	b := newBlocklist(clock, []peer.ID{friend})

	if !b.block(bad, time.Minute) || !b.blocked(bad) || b.InterceptPeerDial(bad) || b.InterceptSecured(0, bad, nil) {
		t.Fatalf("blocked peer not refused")
	}
	if b.block(bad, time.Minute) {
		t.Errorf("blocking twice reported a new block")
	}
	if b.block(friend, time.Minute) || b.blocked(friend) {
		t.Errorf("trusted peer blocked")
	}
	if !b.Contains(bad) {
		t.Errorf("pubsub blacklist does not contain the blocked peer")
	}
	now = now.Add(time.Minute)
	if b.blocked(bad) || !b.InterceptPeerDial(bad) {
		t.Errorf("block did not expire")
	}
	if n := b.expire(); n != 0 {
		t.Errorf("expire left %d entries", n)
	}
}

func TestCursors(t *testing.T) {
	path := filepath.Join(t.TempDir(), SyncFile)
	c, err := loadCursors(path)
	if err != nil {
		t.Fatal(err)
	}
	p, _ := newIdentity(t)
	c.set(p, 77, time.Now())
	if err := c.save(); err != nil {
		t.Fatal(err)
	}
	t.Run("survive a reload", func(t *testing.T) {
		c2, err := loadCursors(path)
		if err != nil {
			t.Fatal(err)
		}
		if got := c2.get(p); got != 77 {
			t.Errorf("cursor = %d, want 77", got)
		}
	})
	t.Run("a damaged file costs a full sync, not an error", func(t *testing.T) {
		if err := os.WriteFile(path, []byte("{not json"), 0o600); err != nil {
			t.Fatal(err)
		}
		c3, err := loadCursors(path)
		if err != nil || c3.get(p) != 0 {
			t.Errorf("got cursor %d, err %v; want 0, nil", c3.get(p), err)
		}
	})
}
