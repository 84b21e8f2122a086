package p2p

import (
	"context"
	"crypto/ed25519"
	"errors"
	"io"
	"log/slog"
	"net/netip"
	"sync"
	"testing"
	"time"

	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/multiformats/go-multiaddr"

	"github.com/sentrypeer/sentrypeer/internal/event"
	"github.com/sentrypeer/sentrypeer/internal/record"
)

// fakeReceived records what a node accepted. Safe for concurrent use.
type fakeReceived struct {
	mu    sync.Mutex
	recs  []*record.Record
	from  []peer.ID
	calls int
}

func (f *fakeReceived) Receive(_ context.Context, recs []*record.Record, from []peer.ID) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls++
	f.recs = append(f.recs, recs...)
	f.from = append(f.from, from...)
	return nil
}

func (f *fakeReceived) count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.recs)
}

func (f *fakeReceived) all() []*record.Record {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]*record.Record(nil), f.recs...)
}

// fakeHistory is a History backed by a slice: the sequence of recs[i] is
// i+1. Safe for concurrent use.
type fakeHistory struct {
	mu          sync.Mutex
	fail        int // Since fails this many times first
	recs        []*record.Record
	contributed map[string]bool
}

func (f *fakeHistory) add(rs ...*record.Record) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.recs = append(f.recs, rs...)
}

func (f *fakeHistory) contribute(k ed25519.PublicKey) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.contributed == nil {
		f.contributed = map[string]bool{}
	}
	f.contributed[string(k)] = true
}

func (f *fakeHistory) Since(_ context.Context, after uint64, limit int) ([]*record.Record, uint64, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.fail > 0 {
		f.fail--
		return nil, after, errors.New("history unavailable")
	}
	if after >= uint64(len(f.recs)) {
		return nil, after, nil
	}
	out := f.recs[after:min(uint64(len(f.recs)), after+uint64(limit))]
	return append([]*record.Record(nil), out...), after + uint64(len(out)), nil
}

func (f *fakeHistory) Contributed(k ed25519.PublicKey) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.contributed[string(k)]
}

// testWriter passes log lines to the test until the test ends; libp2p
// goroutines that outlive Run must not write to a finished test.
type testWriter struct {
	mu   sync.Mutex
	w    io.Writer
	done bool
}

func (w *testWriter) Write(b []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.done {
		return len(b), nil
	}
	return w.w.Write(b)
}

func testLogger(t *testing.T) *slog.Logger {
	w := &testWriter{w: t.Output()}
	t.Cleanup(func() {
		w.mu.Lock()
		w.done = true
		w.mu.Unlock()
	})
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelInfo}))
}

// testNode is a running node with its fakes and its local channel.
type testNode struct {
	*Node
	recv  *fakeReceived
	hist  *fakeHistory
	local chan *record.Record
	sk    ed25519.PrivateKey
	dir   string
	stop  func()
}

func loopback() []multiaddr.Multiaddr {
	return []multiaddr.Multiaddr{
		multiaddr.StringCast("/ip4/127.0.0.1/tcp/0"),
		multiaddr.StringCast("/ip4/127.0.0.1/udp/0/quic-v1"),
	}
}

func info(n *Node) peer.AddrInfo {
	return peer.AddrInfo{ID: n.ID(), Addrs: n.host.Addrs()}
}

// startNode starts a node on loopback with fake Received and History.
// mod adjusts the config (Share is true unless mod changes it). The node is
// stopped when the test ends, or earlier by calling stop.
func startNode(t *testing.T, dir string, mod func(*Config)) *testNode {
	t.Helper()
	if dir == "" {
		dir = t.TempDir()
	}
	tn := &testNode{recv: &fakeReceived{}, hist: &fakeHistory{}, local: make(chan *record.Record, 64), dir: dir}
	cfg := Config{
		DataDir:  dir,
		Listen:   loopback(),
		Share:    true,
		Received: tn.recv,
		History:  tn.hist,
		Logger:   testLogger(t),
	}
	if mod != nil {
		mod(&cfg)
	}
	ctx, cancel := context.WithCancel(context.Background())
	n, err := New(ctx, cfg)
	if err != nil {
		cancel()
		t.Fatalf("New: %v", err)
	}
	tn.Node = n
	if tn.sk, err = SigningKey(n.key); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- n.Run(ctx, tn.local) }()
	var once sync.Once
	tn.stop = func() {
		once.Do(func() {
			cancel()
			select {
			case err := <-done:
				if err != nil {
					t.Errorf("Run: %v", err)
				}
			case <-time.After(10 * time.Second):
				t.Errorf("Run did not return 10 s after cancel")
			}
		})
	}
	t.Cleanup(tn.stop)
	return tn
}

// newRecord returns a fresh record from a public source, signed by sk.
func newRecord(sk ed25519.PrivateKey, i int, last time.Time) *record.Record {
	r := &record.Record{
		SourceIP:     netip.AddrFrom4([4]byte{45, 134, byte(i >> 8), byte(i)}),
		CalledNumber: "100",
		Method:       "INVITE",
		UserAgent:    "friendly-scanner",
		Transport:    event.UDP,
		FirstSeen:    last.Add(-time.Second).UTC(),
		LastSeen:     last.UTC(),
		Count:        2,
	}
	r.Sign(sk)
	return r
}

// eventually polls cond every 2 ms until it holds or d passes.
func eventually(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("after %v: %s", d, what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

func topicPeers(n *Node) int {
	if g := n.gossip.Load(); g != nil {
		return len(g.topic.ListPeers())
	}
	return 0
}

// contributorDir returns a data folder whose node a's History counts as a
// contributor, so that a serves it history.
func contributorDir(t *testing.T, a *testNode) string {
	t.Helper()
	dir, _, pub := keyedDir(t)
	a.hist.contribute(pub)
	return dir
}
