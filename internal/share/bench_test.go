package share

import (
	"net/netip"
	"testing"

	"github.com/sentrypeer/sentrypeer/internal/event"
)

// BenchmarkAddFolded is the per-event cost of a flood: one key, every
// event folded.
func BenchmarkAddFolded(b *testing.B) {
	for _, private := range []bool{true, false} {
		name := map[bool]string{true: "allow-private", false: "public-only"}[private]
		b.Run(name, func(b *testing.B) {
			a, _ := newTest(b, Config{AllowPrivate: private, Allow: []netip.Prefix{netip.MustParsePrefix("192.0.2.0/24")}})
			e := probe("9.9.9.9", "+442079460958", t0)
			a.Add(e)
			b.ReportAllocs()
			for b.Loop() {
				a.Add(e)
			}
		})
	}
}

// BenchmarkAddManyKeys folds events spread over 50,000 tracked keys, so
// that the map does not sit in cache.
func BenchmarkAddManyKeys(b *testing.B) {
	const keys = 50_000
	a, _ := newTest(b, Config{AllowPrivate: true, Rate: 1e9, Burst: keys, OutBuffer: keys})
	evs := make([]*event.Event, keys)
	for i := range evs {
		evs[i] = probe(netip.AddrFrom4([4]byte{9, byte(i >> 16), byte(i >> 8), byte(i)}).String(), "100", t0)
		a.Add(evs[i])
	}
	drain(a)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		a.Add(evs[i%keys])
		i++
	}
}

// BenchmarkAddSkipped is an event that is not shared: a private source
// with AllowPrivate false.
func BenchmarkAddSkipped(b *testing.B) {
	a, _ := newTest(b, Config{})
	e := probe("192.168.1.1", "100", t0)
	b.ReportAllocs()
	for b.Loop() {
		a.Add(e)
	}
}

// BenchmarkAddNewKey is a first sighting sent at once: it signs a record.
func BenchmarkAddNewKey(b *testing.B) {
	a, _ := newTest(b, Config{AllowPrivate: true, Rate: 1e12, Burst: 1 << 30, MaxKeys: 1 << 30})
	go func() {
		for range a.Out() {
		}
	}()
	e := probe("9.9.9.9", "100", t0)
	b.ReportAllocs()
	i := uint32(0)
	for b.Loop() {
		i++
		e.Source = netip.AddrPortFrom(netip.AddrFrom4([4]byte{9, byte(i >> 16), byte(i >> 8), byte(i)}), 5060)
		a.Add(e)
	}
	b.StopTimer()
	a.closeOut()
}

func BenchmarkAddFoldedParallel(b *testing.B) {
	a, _ := newTest(b, Config{AllowPrivate: true})
	e := probe("9.9.9.9", "100", t0)
	a.Add(e)
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			a.Add(e)
		}
	})
}

// BenchmarkFlush10k flushes 10,000 keys with pending sightings: 10,000
// signatures.
func BenchmarkFlush10k(b *testing.B) {
	const keys = 10_000
	a, _ := newTest(b, Config{AllowPrivate: true, Rate: 1e9, Burst: keys, OutBuffer: keys})
	evs := make([]*event.Event, keys)
	for i := range evs {
		evs[i] = probe(netip.AddrFrom4([4]byte{9, 0, byte(i >> 8), byte(i)}).String(), "100", t0)
		a.Add(evs[i])
	}
	drain(a)
	b.ReportAllocs()
	for b.Loop() {
		b.StopTimer()
		for _, e := range evs {
			a.Add(e)
		}
		b.StartTimer()
		a.Flush()
		b.StopTimer()
		drain(a)
		b.StartTimer()
	}
}
