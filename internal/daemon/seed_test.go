package daemon

import (
	"net/netip"
	"testing"
	"time"

	"github.com/sentrypeer/sentrypeer/internal/decision"
	"github.com/sentrypeer/sentrypeer/internal/event"
	"github.com/sentrypeer/sentrypeer/internal/index"
)

// TestSeedDecisions: what the index enforces at start-up becomes
// decisions, lasting --block-for from each value's last sighting; what it
// does not enforce (one peer short of the quorum) does not.
func TestSeedDecisions(t *testing.T) {
	now := time.Now()
	idx := index.New(index.Config{Quorum: 2})
	idx.Add(&event.Event{Time: now.Add(-time.Hour), Source: netip.MustParseAddrPort("8.8.8.8:5060"), Method: "INVITE", CalledNumberNorm: "0046701"})
	idx.AddReports(index.Report{SourceIP: netip.MustParseAddr("9.9.9.9"), First: now, Last: now, Count: 1, Reporter: [32]byte{1}})
	dec := decision.New(decision.Config{BlockFor: 2 * time.Hour})
	seedDecisions(idx, dec)
	d, ok := dec.Get("8.8.8.8")
	if !ok || d.Origin != decision.Local || d.Until.Sub(now.Add(time.Hour)).Abs() > time.Second {
		t.Errorf("8.8.8.8: %+v, %v; want a local decision until an hour from now", d, ok)
	}
	if _, ok := dec.Get("0046701"); !ok {
		t.Error("the called number was not seeded")
	}
	if _, ok := dec.Get("9.9.9.9"); ok {
		t.Error("one peer's report, short of the quorum, was seeded")
	}
}
