package metrics

import (
	"context"
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/sentrypeer/sentrypeer/internal/event"
)

func TestMethodLabel(t *testing.T) {
	tests := []struct{ in, want string }{
		{"INVITE", "INVITE"},
		{"REGISTER", "REGISTER"},
		{"OPTIONS", "OPTIONS"},
		{"UPDATE", "UPDATE"},
		{"", MethodNone},
		{"invite", MethodOther}, // SIP methods are case-sensitive
		{"INVITEX", MethodOther},
		{"X-" + strings.Repeat("A", 1000), MethodOther},
		{"INV\x00ITE", MethodOther},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%.20q", tt.in), func(t *testing.T) {
			if got := MethodLabel(tt.in); got != tt.want {
				t.Errorf("MethodLabel(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

// TestProbeCounterBoundsMethods feeds thousands of distinct attacker
// methods: the series count must stay at the bound.
func TestProbeCounterBoundsMethods(t *testing.T) {
	m := New()
	var evs []*event.Event
	for i := range 5000 {
		evs = append(evs, &event.Event{Method: fmt.Sprintf("M%d", i), Transport: event.Transport(1 + i%3)})
	}
	for _, k := range knownMethods {
		evs = append(evs, &event.Event{Method: k, Transport: event.UDP})
	}
	evs = append(evs, &event.Event{Transport: 99})
	if err := m.ProbeCounter().Run(t.Context(), event.QueueOf(evs...)); err != nil {
		t.Fatalf("Run = %v", err)
	}
	// 3 transports of "other", each known method on udp, "none" on unknown.
	if got, want := testutil.CollectAndCount(m.probes), 3+len(knownMethods)+1; got != want {
		t.Errorf("%d series, want %d", got, want)
	}
	if got := testutil.ToFloat64(m.probes.WithLabelValues(MethodOther, "tcp")); got != 1667 {
		t.Errorf("other/tcp = %v, want 1667", got)
	}
}

func TestProbeCounterCounts(t *testing.T) {
	m := New()
	q := event.NewQueue(16)
	for _, e := range []event.Event{
		{Method: "INVITE", Transport: event.UDP},
		{Method: "INVITE", Transport: event.UDP},
		{Method: "REGISTER", Transport: event.TLS},
		{Method: "OPTIONS", Transport: event.TCP},
		{Method: "FOO", Transport: event.TCP},
		{Method: "", Transport: event.UDP},
	} {
		q.Put(&e)
	}
	q.Close()
	if err := m.ProbeCounter().Run(t.Context(), q); err != nil {
		t.Fatalf("Run = %v", err)
	}
	const want = `
# HELP sentrypeer_probes_total SIP probes received, by request method and transport.
# TYPE sentrypeer_probes_total counter
sentrypeer_probes_total{method="INVITE",transport="udp"} 2
sentrypeer_probes_total{method="OPTIONS",transport="tcp"} 1
sentrypeer_probes_total{method="REGISTER",transport="tls"} 1
sentrypeer_probes_total{method="none",transport="udp"} 1
sentrypeer_probes_total{method="other",transport="tcp"} 1
`
	if err := testutil.CollectAndCompare(m.probes, strings.NewReader(want)); err != nil {
		t.Error(err)
	}
	problems, err := testutil.CollectAndLint(m.probes)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		t.Errorf("lint: %s: %s", p.Metric, p.Text)
	}
}

func TestProbeCounterStopsOnCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error)
	go func() { done <- New().ProbeCounter().Run(ctx, event.NewQueue(1)) }()
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Run = %v, want nil", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not return after cancel")
	}
}

func BenchmarkProbeCounter(b *testing.B) {
	p := New().ProbeCounter()
	q := event.NewQueue(1024)
	done := make(chan struct{})
	go func() { p.Run(b.Context(), q); close(done) }()
	evs := []*event.Event{
		{Method: "REGISTER", Transport: event.UDP},
		{Method: "OPTIONS", Transport: event.UDP},
		{Method: "INVITE", Transport: event.TCP},
		{Method: "X-SCAN", Transport: event.TLS},
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		for q.Put(evs[i%len(evs)]) == 0 {
			runtime.Gosched() // the queue is full: let Run catch up
		}
		i++
	}
	q.Close()
	<-done
}

func BenchmarkMethodLabel(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		_ = MethodLabel("SUBSCRIBE")
		_ = MethodLabel("X-UNKNOWN")
	}
}
