package decision

import (
	"net/netip"
	"runtime"
	"strconv"
	"testing"
	"time"
)

// BenchmarkObserveNewNumbers is a toll-fraud flood: every sighting comes
// from the same source and dials a new number, past the cap.
func BenchmarkObserveNewNumbers(b *testing.B) {
	e := New(Config{Max: 10_000, Never: NewNever(nil, nil, false)})
	now := time.Now()
	ip := netip.MustParseAddr("203.0.113.7")
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		e.Observe(Evidence{IP: ip, Number: "+44" + strconv.Itoa(100000000+i), Origin: Local, Reporters: 1, At: now})
	}
}

// BenchmarkObserveKnown is a sipvicious sweep: one source, one number,
// both decisions already.
func BenchmarkObserveKnown(b *testing.B) {
	e := New(Config{Never: NewNever(nil, nil, false)})
	ip := netip.MustParseAddr("203.0.113.7")
	now := time.Now()
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		e.Observe(Evidence{IP: ip, Number: "100", Origin: Local, Reporters: 1, At: now.Add(time.Duration(i))})
	}
}

// TestBytesPerDecision: a full set of numbers costs what the memory budget
// reserves for it (BytesPerDecision), measured on the heap.
func TestBytesPerDecision(t *testing.T) {
	const n = 100_000
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	e := New(Config{Max: n, Never: NewNever(nil, nil, false)})
	now := time.Now()
	for i := range n {
		e.Observe(Evidence{Number: "+44" + strconv.Itoa(100000000+i), Origin: Local, Reporters: 1, At: now})
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	per := float64(after.HeapAlloc-before.HeapAlloc) / n
	t.Logf("%.1f bytes per decision on the heap; Bytes() says %.1f", per, float64(e.Bytes())/n)
	if per > BytesPerDecision {
		t.Errorf("%.1f bytes per decision, more than the %d the budget reserves", per, BytesPerDecision)
	}
	if e.Len() != n {
		t.Fatalf("%d decisions held, want %d", e.Len(), n)
	}
	runtime.KeepAlive(e)
}
