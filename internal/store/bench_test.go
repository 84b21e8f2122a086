package store

import (
	"encoding/binary"
	"fmt"
	"net/netip"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sentrypeer/sentrypeer/internal/event"
)

// benchSource makes realistic probes from sources IPs calling numbers
// distinct numbers, each with a fresh ID and a later time, as a listener
// would: the indexes see the append pattern of real traffic.
type benchSource struct {
	tmpl []event.Event
	base time.Time
	n    atomic.Int64
}

func newBenchSource(sources, numbers int) *benchSource {
	bs := &benchSource{base: time.Now()}
	for i := range 4096 {
		k := i % sources
		ip := netip.AddrFrom4([4]byte{198, 51, byte(k >> 8), byte(k)})
		bs.tmpl = append(bs.tmpl, *probe(bs.base, netip.AddrPortFrom(ip, 5060), fmt.Sprint(100+(i*7919)%numbers)))
	}
	return bs
}

func (bs *benchSource) next() *event.Event {
	i := bs.n.Add(1)
	e := bs.tmpl[int(i)%len(bs.tmpl)]
	e.Time = bs.base.Add(time.Duration(i) * time.Microsecond)
	binary.BigEndian.PutUint64(e.ID[8:], uint64(i))
	return &e
}

// send queues e without ever blocking in a full channel: like the bus, a
// producer does not wait on the store, and waking a blocked sender for every
// event would measure the scheduler rather than the store.
func send(ch chan<- *event.Event, e *event.Event) {
	for len(ch) == cap(ch) {
		time.Sleep(time.Millisecond)
	}
	ch <- e
}

// BenchmarkStoreInsert measures events/s through Run, from the first send to
// the end of the final flush, with the default batch size and a bus-sized
// channel. "sipvicious" is a scan from a few sources; "many-sources" spreads
// the index inserts over 1000 IPs and 1000 numbers.
func BenchmarkStoreInsert(b *testing.B) {
	for _, bc := range []struct {
		name              string
		sources, numbers  int
		parallelProducers bool
	}{
		{name: "sipvicious", sources: 16, numbers: 1},
		{name: "many-sources", sources: 1000, numbers: 1000},
		{name: "sipvicious-parallel-producers", sources: 16, numbers: 1, parallelProducers: true},
	} {
		b.Run(bc.name, func(b *testing.B) {
			s, err := Open(b.Context(), filepath.Join(b.TempDir(), "bench.db"), Config{}, nil)
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close()
			src := newBenchSource(bc.sources, bc.numbers)
			ch := make(chan *event.Event, 8192)
			wait := startRun(b.Context(), s, ch)
			b.ReportAllocs()
			start := time.Now()
			var n atomic.Int64
			if bc.parallelProducers {
				b.RunParallel(func(pb *testing.PB) {
					var i int64
					for pb.Next() {
						send(ch, src.next())
						i++
					}
					n.Add(i)
				})
			} else {
				var i int64
				for b.Loop() {
					send(ch, src.next())
					i++
				}
				n.Store(i)
			}
			close(ch)
			if err := wait(); err != nil {
				b.Fatal(err)
			}
			elapsed := time.Since(start)
			if st := s.Stats(); st.EventsStored != uint64(n.Load()) {
				b.Fatalf("stored %d of %d events", st.EventsStored, n.Load())
			}
			b.ReportMetric(float64(n.Load())/elapsed.Seconds(), "events/s")
		})
	}
}
