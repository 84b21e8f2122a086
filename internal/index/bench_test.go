package index

import (
	"fmt"
	"net/netip"
	"runtime"
	"testing"
	"time"

	"github.com/sentrypeer/sentrypeer/internal/event"
)

// benchEvents makes n events from 20,000 IPs and 50,000 numbers.
func benchEvents(n int) []*event.Event {
	evs := make([]*event.Event, n)
	for i := range evs {
		evs[i] = &event.Event{
			Time:             t0.Add(time.Duration(i) * time.Millisecond),
			Source:           netip.AddrPortFrom(netip.AddrFrom4([4]byte{198, 18, byte(i % 20000 >> 8), byte(i % 20000)}), 5060),
			Method:           "INVITE",
			CalledNumberNorm: fmt.Sprint("0044", i%50000),
			UserAgent:        fmt.Sprint("ua", i%30),
		}
	}
	return evs
}

// BenchmarkAdd adds batches of 512 to an index that already holds their
// keys, as in steady state, evicting as many as it adds.
func BenchmarkAdd(b *testing.B) {
	evs := benchEvents(100_000)
	x := New(Config{Now: newClock(t0).Now, MaxEvents: len(evs)})
	x.Add(evs...)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		x.Add(evs[i : i+512]...)
		i = (i + 512) % (len(evs) - 512)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*512), "ns/event")
}

func BenchmarkCheckIP(b *testing.B) {
	c := newClock(t0)
	x := New(Config{Now: c.Now})
	x.Add(benchEvents(1_000_000)...)
	a := netip.AddrFrom4([4]byte{198, 18, 0, 7})
	b.ReportAllocs()
	for b.Loop() {
		if _, ok := x.CheckIP(a); !ok {
			b.Fatal("not found")
		}
	}
}

func BenchmarkStats(b *testing.B) {
	c := newClock(t0)
	x := New(Config{Now: c.Now})
	x.Add(benchEvents(1_000_000)...)
	b.ReportAllocs()
	for b.Loop() {
		x.Stats(10)
	}
}

func BenchmarkFirstPage(b *testing.B) {
	c := newClock(t0)
	x := New(Config{Now: c.Now})
	x.Add(benchEvents(1_000_000)...)
	b.ReportAllocs()
	for b.Loop() {
		x.IPs(List{Limit: 100})
	}
}

// TestMemoryPerEvent bounds the heap the index takes per event, so that a
// million events stay far below the daemon's memory budget.
func TestMemoryPerEvent(t *testing.T) {
	if testing.Short() {
		t.Skip("allocates a few hundred MB")
	}
	evs := benchEvents(200_000)
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	x := New(Config{Now: newClock(t0).Now})
	x.Add(evs...)
	runtime.GC()
	runtime.ReadMemStats(&after)
	per := float64(after.HeapAlloc-before.HeapAlloc) / float64(len(evs))
	runtime.KeepAlive(x)
	runtime.KeepAlive(evs)
	t.Logf("%.0f bytes per event (200k events, 20k IPs, 50k numbers)", per)
	if per > 120 {
		t.Errorf("%.0f bytes per event, want at most 120", per)
	}
}
