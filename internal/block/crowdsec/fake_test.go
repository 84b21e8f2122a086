package crowdsec

import (
	"cmp"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/sentrypeer/sentrypeer/internal/decision"
)

// fakeSet is a [Decisions] the test changes by hand.
type fakeSet struct {
	mu sync.Mutex
	m  map[string]decision.Decision
}

var _ Decisions = (*fakeSet)(nil)

func newFakeSet() *fakeSet { return &fakeSet{m: map[string]decision.Decision{}} }

func (f *fakeSet) Snapshot() []decision.Decision {
	f.mu.Lock()
	out := make([]decision.Decision, 0, len(f.m))
	for _, d := range f.m {
		out = append(out, d)
	}
	f.mu.Unlock()
	slices.SortFunc(out, func(a, b decision.Decision) int { return cmp.Compare(a.Value, b.Value) })
	return out
}

// put adds or replaces value's decision.
func (f *fakeSet) put(t testing.TB, value string, o decision.Origin, until time.Time) {
	t.Helper()
	v, kind, p, err := decision.ParseValue(value)
	if err != nil {
		t.Fatal(err)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.m[v] = decision.Decision{Value: v, Kind: kind, Prefix: p, Origin: o, Reporters: 1, Since: until.Add(-time.Hour), Until: until, Reason: "test"}
}

func (f *fakeSet) del(value string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.m, value)
}

// clock is a settable time source.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}
