package decision

import (
	"net/netip"
	"testing"
	"time"

	"github.com/sentrypeer/sentrypeer/internal/event"
)

// TestSinkObservesQueuedEvents feeds the sink one queue of local events:
// each becomes evidence of its own source and number, UDP unproven unless
// the responder proved it, and a sighting older than a block is ignored.
func TestSinkObservesQueuedEvents(t *testing.T) {
	c := &clock{now: t0}
	e := newEngine(c, Config{BlockFor: time.Hour, Evidence: Proven})
	udp := func(ip string, proven bool, at time.Time) *event.Event {
		return &event.Event{Source: netip.MustParseAddrPort(ip + ":5060"), Transport: event.UDP, Proven: proven,
			CalledNumberNorm: "0046701" + ip[len(ip)-1:], Time: at}
	}
	q := event.QueueOf(
		udp("8.8.8.1", false, t0), // forgeable: ignored under Proven
		udp("8.8.8.2", true, t0),  // proven by the responder
		&event.Event{Source: netip.MustParseAddrPort("8.8.8.3:5060"), Transport: event.TCP, Time: t0},
		nil, // ignored
		udp("8.8.8.4", true, t0.Add(-2*time.Hour)), // older than a block
	)
	if err := (&Sink{Engine: e}).Run(t.Context(), q); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		value string
		want  bool
	}{
		{"8.8.8.1", false}, {"00467011", false},
		{"8.8.8.2", true}, {"00467012", true},
		{"8.8.8.3", true},
		{"8.8.8.4", false}, {"00467014", false},
	} {
		d, ok := e.Get(tc.value)
		if ok != tc.want {
			t.Errorf("%s: decision %v, want %v", tc.value, ok, tc.want)
		}
		if ok && (d.Origin != Local || !d.Until.Equal(t0.Add(time.Hour))) {
			t.Errorf("%s: decision %+v, want local until %v", tc.value, d, t0.Add(time.Hour))
		}
	}
	if s := e.Stats(); s.Ignored != 1 {
		t.Errorf("Ignored = %d, want 1 (the unproven UDP sighting)", s.Ignored)
	}
}
