package sipagent

import (
	"net/netip"
	"strings"
	"sync"

	"github.com/sentrypeer/sentrypeer/internal/decision"
)

// fakeSet is a decision set in memory.
type fakeSet struct {
	mu     sync.Mutex
	values map[string]decision.Decision
	nets   []decision.Decision
	// keys records every value Get was asked about, to check privacy and
	// canonical forms.
	keys []string
}

var _ Decisions = (*fakeSet)(nil)

func newFakeSet(values ...string) *fakeSet {
	f := &fakeSet{values: make(map[string]decision.Decision)}
	for _, v := range values {
		f.add(v)
	}
	return f
}

func (f *fakeSet) add(v string) {
	val, kind, p, err := decision.ParseValue(v)
	if err != nil {
		panic(err)
	}
	d := decision.Decision{Value: val, Kind: kind, Prefix: p, Origin: decision.Manual}
	f.mu.Lock()
	defer f.mu.Unlock()
	if kind == decision.Net {
		f.nets = append(f.nets, d)
		return
	}
	f.values[val] = d
}

func (f *fakeSet) Get(v string) (decision.Decision, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.keys != nil {
		f.keys = append(f.keys, strings.Clone(v)) // v is a view
	}
	d, ok := f.values[v]
	return d, ok
}

func (f *fakeSet) Covers(ip netip.Addr) (decision.Decision, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, d := range f.nets {
		if d.Prefix.Contains(ip) {
			return d, true
		}
	}
	return decision.Decision{}, false
}
