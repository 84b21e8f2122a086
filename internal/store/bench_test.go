package store

import (
	"context"
	"encoding/binary"
	"fmt"
	"net/netip"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/sentrypeer/sentrypeer/internal/event"
)

// sippInvite is a sipp uac INVITE; %[1]s is the called number.
const sippInvite = "INVITE sip:%[1]s@192.0.2.10:5060 SIP/2.0\r\n" +
	"Via: SIP/2.0/UDP 203.0.113.5:6001;branch=z9hG4bK-4242-1-0\r\n" +
	"From: \"1001\" <sip:1001@203.0.113.5>;tag=4242SIPpTag011\r\n" +
	"To: <sip:%[1]s@192.0.2.10>\r\n" +
	"Call-ID: 1-4242@203.0.113.5\r\n" +
	"CSeq: 1 INVITE\r\n" +
	"Contact: <sip:1001@203.0.113.5:6001>\r\n" +
	"Max-Forwards: 70\r\n" +
	"User-Agent: sipcli/v1.8\r\n" +
	"Content-Type: application/sdp\r\n" +
	"Content-Length: 129\r\n\r\n" +
	"v=0\r\no=user1 53655765 2353687637 IN IP4 203.0.113.5\r\ns=-\r\nc=IN IP4 203.0.113.5\r\n" +
	"t=0 0\r\nm=audio 6000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n"

// workload describes the traffic of a benchmark.
type workload struct {
	name    string
	sources int
	numbers int  // distinct numbers, cycled
	fresh   bool // a new number every event, sipp style, instead
}

var workloads = []workload{
	{name: "sipvicious", sources: 1, numbers: 1},         // svmap OPTIONS flood
	{name: "toll-fraud", sources: 1, fresh: true},        // INVITEs, a new number each
	{name: "many-sources", sources: 1000, numbers: 1000}, // 1000 IPs × 1000 numbers
}

// benchSource makes realistic probes, each with a fresh ID and a later
// time, as a listener would.
type benchSource struct {
	w    workload
	tmpl []event.Event
	base time.Time
	n    int64
}

func newBenchSource(w workload) *benchSource {
	bs := &benchSource{w: w, base: time.Now()}
	for i := range 4096 {
		k := i % w.sources
		ip := netip.AddrFrom4([4]byte{198, 51, byte(k >> 8), byte(k)})
		bs.tmpl = append(bs.tmpl, *probe(bs.base, netip.AddrPortFrom(ip, 5060), fmt.Sprint(100+(i*7919)%max(w.numbers, 1))))
	}
	return bs
}

func (bs *benchSource) next() *event.Event {
	bs.n++
	i := bs.n
	e := bs.tmpl[int(i)%len(bs.tmpl)]
	e.Time = bs.base.Add(time.Duration(i) * time.Microsecond)
	binary.BigEndian.PutUint64(e.ID[8:], uint64(i)*0x9e3779b97f4a7c15) // random-looking, as v4 UUIDs are
	if bs.w.fresh {
		n := "00972597" + strconv.FormatInt(i, 10)
		e.Method = "INVITE"
		e.RequestURI = "sip:" + n + "@192.0.2.10:5060"
		e.CalledNumber, e.CalledNumberNorm = n, n
		e.To = "<sip:" + n + "@192.0.2.10>"
		e.UserAgent = "sipcli/v1.8"
		e.Raw = fmt.Sprintf(sippInvite, n)
	}
	return &e
}

// send queues e, sleeping while the queue is full: like the bus, a
// producer does not wait on the store, and waking a waiting sender for
// every event would measure the scheduler rather than the store.
func send(q *event.Queue, e *event.Event) {
	for q.Put(e) == 0 {
		time.Sleep(time.Millisecond)
	}
}

// BenchmarkStoreInsert measures events/s through Run, from the first send to
// the end of the final flush, with the default config and a bus-sized
// queue. cpu-ns/event is the CPU time of the whole process per event:
// the producer, which builds each event as a listener would, and the
// queue are in it. write-ns/event is the writer's own time in flushes
// (encoding, compression, SQLite, commit: Stats.WriteTime), the store's
// cost proper. disk-B/event is the database file after Close.
func BenchmarkStoreInsert(b *testing.B) {
	for _, w := range workloads {
		b.Run(w.name, func(b *testing.B) {
			s, err := Open(b.Context(), filepath.Join(b.TempDir(), "bench.db"), Config{}, nil)
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close()
			src := newBenchSource(w)
			ch := event.NewQueue(8192)
			wait := startRun(b.Context(), s, ch)
			b.ReportAllocs()
			start, cpu0 := time.Now(), processCPU()
			var n int64
			for b.Loop() {
				send(ch, src.next())
				n++
			}
			ch.Close()
			if err := wait(); err != nil {
				b.Fatal(err)
			}
			elapsed, cpu := time.Since(start), processCPU()-cpu0
			st := s.Stats()
			if st.EventsStored != uint64(n) {
				b.Fatalf("stored %d of %d events", st.EventsStored, n)
			}
			if err := s.Close(); err != nil { // checkpoints: the file alone holds the events
				b.Fatal(err)
			}
			b.ReportMetric(float64(n)/elapsed.Seconds(), "events/s")
			b.ReportMetric(float64(cpu.Nanoseconds())/float64(n), "cpu-ns/event")
			b.ReportMetric(float64(st.WriteTime.Nanoseconds())/float64(n), "write-ns/event")
			b.ReportMetric(float64(fileSize(b, s.path))/float64(n), "disk-B/event")
		})
	}
}

// fillStore writes n events of w through Run.
func fillStore(b *testing.B, s *Store, w workload, n int) *benchSource {
	src := newBenchSource(w)
	ch := event.NewQueue(8192)
	wait := startRun(context.Background(), s, ch)
	for range n {
		send(ch, src.next())
	}
	ch.Close()
	if err := wait(); err != nil {
		b.Fatal(err)
	}
	return src
}

// BenchmarkEvents measures the first page (100 events, newest first) and a
// deep page of a store holding 1,000,000 many-sources events.
func BenchmarkEvents(b *testing.B) {
	const stored = 1_000_000
	s, err := Open(b.Context(), filepath.Join(b.TempDir(), "bench.db"), Config{}, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	src := fillStore(b, s, workloads[2], stored)
	ip := src.tmpl[0].Source.Addr()
	number := src.tmpl[0].CalledNumberNorm
	middle := src.base.Add(stored / 2 * time.Microsecond)
	for _, bc := range []struct {
		name string
		q    Query
	}{
		{name: "unfiltered", q: Query{}},
		{name: "by-ip", q: Query{SourceIP: ip}},
		{name: "by-number", q: Query{CalledNumber: number}},
		{name: "by-method", q: Query{Method: "OPTIONS"}},
		{name: "unfiltered-before-middle", q: Query{Before: middle}},
		{name: "by-ip-before-middle", q: Query{SourceIP: ip, Before: middle}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				evs, err := s.Events(b.Context(), bc.q)
				if err != nil {
					b.Fatal(err)
				}
				if len(evs) != DefaultLimit {
					b.Fatalf("got %d events, want %d", len(evs), DefaultLimit)
				}
			}
		})
	}
	b.Run("count", func(b *testing.B) {
		for b.Loop() {
			if n, err := s.Count(b.Context()); err != nil || n != stored {
				b.Fatalf("Count = %d, %v", n, err)
			}
		}
	})
}

// BenchmarkRetention measures deleting the older half of a store of
// 2,000,000 events (a retention pass in steady state deletes as much as
// the writer adds), in chunks of the default size, per event deleted.
func BenchmarkRetention(b *testing.B) {
	const stored = 2_000_000
	for _, w := range workloads {
		b.Run(w.name, func(b *testing.B) {
			var deleted int64
			var cpu, wall time.Duration
			for b.Loop() {
				b.StopTimer()
				s, err := Open(b.Context(), filepath.Join(b.TempDir(), "bench.db"), Config{MaxAge: time.Hour}, nil)
				if err != nil {
					b.Fatal(err)
				}
				src := fillStore(b, s, w, stored)
				// Events are 1 µs apart: cut the older half.
				now := src.base.Add(time.Hour + stored/2*time.Microsecond)
				b.StartTimer()
				start, cpu0 := time.Now(), processCPU()
				n, err := s.prune(b.Context(), now)
				if err != nil {
					b.Fatal(err)
				}
				wall += time.Since(start)
				cpu += processCPU() - cpu0
				deleted += n
				b.StopTimer()
				if n < stored/2-20000 || n > stored/2 {
					b.Fatalf("deleted %d events, want about %d", n, stored/2)
				}
				s.Close()
				b.StartTimer()
			}
			b.ReportMetric(float64(deleted)/wall.Seconds(), "events/s")
			b.ReportMetric(float64(cpu.Nanoseconds())/float64(deleted), "cpu-ns/event")
		})
	}
}
