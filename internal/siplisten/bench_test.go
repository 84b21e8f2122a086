package siplisten

import (
	"net"
	"net/netip"
	"testing"

	"github.com/sentrypeer/sentrypeer/internal/event"
	"github.com/sentrypeer/sentrypeer/internal/sip"
)

type discard struct{}

func (discard) PublishBatch(es []*event.Event) int { return len(es) }

// BenchmarkRecord is the per-datagram work after the read: copy, parse,
// build and publish the event.
func BenchmarkRecord(b *testing.B) {
	s := New(Config{Publisher: discard{}})
	src := netip.MustParseAddrPort("192.0.2.1:5060")
	dst := netip.MustParseAddrPort("198.51.100.7:5060")
	msg := []byte(options)
	var m sip.Message
	ids := event.NewUUIDSource()
	b.ReportAllocs()
	b.SetBytes(int64(len(msg)))
	for b.Loop() {
		a := arrival{tr: event.UDP, src: src, dst: dst, at: s.cfg.Now().UTC(), id: ids.New()}
		s.publish([]*event.Event{s.record(msg, &m, a)})
	}
}

// BenchmarkServeUDPRoundTrip sends one datagram at a time over loopback and
// waits for its event: the latency of the whole receive path, kernel
// included (throughput is measured by bench/flood).
func BenchmarkServeUDPRoundTrip(b *testing.B) {
	conn, c := benchServer(b)
	msg := []byte(options)
	b.ReportAllocs()
	for b.Loop() {
		conn.Write(msg)
		<-c
	}
}

// BenchmarkServeUDPBatch sends a read's worth of datagrams (udpBatch) and
// waits for their events, as under a flood: ns/op and allocs/op are per
// datagram.
func BenchmarkServeUDPBatch(b *testing.B) {
	conn, c := benchServer(b)
	msg := []byte(options)
	b.ReportAllocs()
	for b.Loop() {
		for range udpBatch {
			conn.Write(msg)
		}
		for range udpBatch {
			<-c
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*udpBatch), "ns/datagram")
}

// benchServer serves UDP on loopback with one reader and returns a
// connection to it and a channel that gets a value per published event.
func benchServer(b *testing.B) (net.Conn, <-chan struct{}) {
	c := make(chan struct{}, 1<<16)
	pub := publisherFunc(func(es []*event.Event) int {
		for range es {
			c <- struct{}{}
		}
		return len(es)
	})
	s := New(Config{Publisher: pub, UDPReaders: 1})
	uc, err := ListenUDP(b.Context(), netip.MustParseAddrPort("127.0.0.1:0"))
	if err != nil {
		b.Fatal(err)
	}
	go s.ServeUDP(b.Context(), uc)
	conn, err := net.Dial("udp", uc.LocalAddr().String())
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { conn.Close() })
	return conn, c
}

type publisherFunc func([]*event.Event) int

func (f publisherFunc) PublishBatch(es []*event.Event) int { return f(es) }
