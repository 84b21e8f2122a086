package siplisten

import (
	"context"
	"crypto/tls"
	"net"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sentrypeer/sentrypeer/internal/event"
	"github.com/sentrypeer/sentrypeer/internal/sip"
	"github.com/sentrypeer/sentrypeer/internal/tlsconf"
)

// collector is a fake Publisher that keeps every event.
type collector struct {
	mu     sync.Mutex
	events []*event.Event
	notify chan struct{}
}

func newCollector() *collector { return &collector{notify: make(chan struct{}, 1024)} }

func (c *collector) PublishBatch(es []*event.Event) int {
	c.mu.Lock()
	c.events = append(c.events, es...)
	c.mu.Unlock()
	select {
	case c.notify <- struct{}{}:
	default:
	}
	return len(es)
}

// wait returns once n events arrived, or fails the test.
func (c *collector) wait(t *testing.T, n int) []*event.Event {
	t.Helper()
	deadline := time.After(5 * time.Second)
	for {
		c.mu.Lock()
		if len(c.events) >= n {
			out := append([]*event.Event(nil), c.events...)
			c.mu.Unlock()
			return out
		}
		c.mu.Unlock()
		select {
		case <-c.notify:
		case <-time.After(20 * time.Millisecond):
		case <-deadline:
			t.Fatalf("got %d events, want %d", len(c.events), n)
		}
	}
}

const options = "OPTIONS sip:100@127.0.0.1 SIP/2.0\r\n" +
	"Via: SIP/2.0/UDP 127.0.0.1:5061;branch=z9hG4bK-1;rport\r\n" +
	"From: \"sipvicious\"<sip:100@1.1.1.1>;tag=6134\r\n" +
	"To: \"sipvicious\"<sip:100@1.1.1.1>\r\n" +
	"Call-ID: 1234@127.0.0.1\r\n" +
	"CSeq: 1 OPTIONS\r\n" +
	"Max-Forwards: 70\r\n" +
	"User-Agent: friendly-scanner\r\n" +
	"Content-Length: 0\r\n\r\n"

func serveUDP(t *testing.T, s *Server, addr string) *net.UDPConn {
	t.Helper()
	uc, err := ListenUDP(t.Context(), netip.MustParseAddrPort(addr))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- s.ServeUDP(ctx, uc) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("ServeUDP: %v", err)
		}
	})
	return uc
}

func TestUDPRecordsRealDestination(t *testing.T) {
	c := newCollector()
	s := New(Config{Publisher: c})
	uc := serveUDP(t, s, "0.0.0.0:0")
	port := uc.LocalAddr().(*net.UDPAddr).Port
	for _, dst := range []string{"127.0.0.1", "127.0.0.2"} {
		conn, err := net.Dial("udp", net.JoinHostPort(dst, itoa(port)))
		if err != nil {
			t.Fatal(err)
		}
		conn.Write([]byte(options))
		conn.Close()
	}
	evs := c.wait(t, 2)
	got := map[string]bool{}
	for _, e := range evs {
		got[e.Destination.String()] = true
		if e.Method != "OPTIONS" || e.UserAgent != "friendly-scanner" || e.CalledNumber != "100" || e.Transport != event.UDP || e.Collected != event.Passive {
			t.Errorf("event %+v", e)
		}
		if !e.Source.Addr().IsLoopback() || e.Source.Port() == 0 {
			t.Errorf("source %v", e.Source)
		}
	}
	for _, dst := range []string{"127.0.0.1", "127.0.0.2"} {
		if !got[dst+":"+itoa(port)] {
			t.Errorf("no event with destination %s:%d, got %v", dst, port, got)
		}
	}
}

func TestUDPJunkIsRecordedAndRawCapped(t *testing.T) {
	c := newCollector()
	s := New(Config{Publisher: c, RawMax: 16})
	uc := serveUDP(t, s, "127.0.0.1:0")
	conn, _ := net.Dial("udp", uc.LocalAddr().String())
	defer conn.Close()
	conn.Write([]byte("\x00\x01\x02 this is not SIP at all, but a probe nonetheless"))
	e := c.wait(t, 1)[0]
	if e.ParseError == "" || len(e.Raw) != 16 || !e.RawTruncated || e.Destination.String() != uc.LocalAddr().String() {
		t.Errorf("event %+v", e)
	}
}

type echoAnswerer struct{}

func (echoAnswerer) Answer(m *sip.Message, src netip.AddrPort, tr event.Transport, n int, dst [][]byte) [][]byte {
	return append(dst, []byte("SIP/2.0 200 OK\r\nCall-ID: "+m.CallID+"\r\n\r\n"))
}

func TestUDPAnswersFromTheProbedAddress(t *testing.T) {
	c := newCollector()
	s := New(Config{Publisher: c, Answerer: echoAnswerer{}})
	uc := serveUDP(t, s, "0.0.0.0:0")
	port := uc.LocalAddr().(*net.UDPAddr).Port
	conn, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.WriteToUDP([]byte(options), &net.UDPAddr{IP: net.IPv4(127, 0, 0, 3), Port: port})
	conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	buf := make([]byte, 2048)
	n, from, err := conn.ReadFromUDPAddrPort(buf)
	if err != nil {
		t.Fatal(err)
	}
	if from.Addr().String() != "127.0.0.3" || !strings.Contains(string(buf[:n]), "1234@127.0.0.1") {
		t.Errorf("answer %q from %v, want from 127.0.0.3", buf[:n], from)
	}
	if e := c.wait(t, 1)[0]; e.Collected != event.Responsive {
		t.Errorf("collected %v", e.Collected)
	}
}

// proveFrom proves messages from one address.
type proveFrom netip.Addr

func (p proveFrom) Proven(_ *sip.Message, src netip.Addr) bool { return src == netip.Addr(p) }

func TestUDPMarksProvenSources(t *testing.T) {
	c := newCollector()
	s := New(Config{Publisher: c, Prover: proveFrom(netip.MustParseAddr("127.0.0.1"))})
	uc := serveUDP(t, s, "127.0.0.1:0")
	for _, from := range []string{"127.0.0.1", "127.0.0.2"} {
		conn, err := net.DialUDP("udp4", &net.UDPAddr{IP: net.ParseIP(from)}, uc.LocalAddr().(*net.UDPAddr))
		if err != nil {
			t.Fatal(err)
		}
		conn.Write([]byte(options))
		conn.Close()
	}
	got := map[string]bool{}
	for _, e := range c.wait(t, 2) {
		got[e.Source.Addr().String()] = e.Proven
	}
	if !got["127.0.0.1"] || got["127.0.0.2"] || len(got) != 2 {
		t.Errorf("proven by source: %v, want only 127.0.0.1", got)
	}
}

func serveStream(t *testing.T, s *Server, tr event.Transport, tc *tls.Config) net.Listener {
	t.Helper()
	ln, err := ListenTCP(t.Context(), netip.MustParseAddrPort("127.0.0.1:0"))
	if err != nil {
		t.Fatal(err)
	}
	var l net.Listener = ln
	if tc != nil {
		l = tls.NewListener(ln, tc)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- s.ServeStream(ctx, l, tr) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("ServeStream: %v", err)
		}
	})
	return ln
}

func TestTCPFramesSeveralMessagesPerConnection(t *testing.T) {
	c := newCollector()
	s := New(Config{Publisher: c})
	ln := serveStream(t, s, event.TCP, nil)
	conn, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	invite := "INVITE sip:0046812345678@127.0.0.1 SIP/2.0\r\nCall-ID: two\r\nl: 5\r\n\r\nhello"
	// Keep-alive CRLFs, one message split across writes, then a third.
	conn.Write([]byte("\r\n\r\n" + options + invite[:20]))
	time.Sleep(20 * time.Millisecond)
	conn.Write([]byte(invite[20:] + strings.Replace(options, "1234@", "three@", 1)))
	evs := c.wait(t, 3)
	conn.Close()
	if evs[0].CallID != "1234@127.0.0.1" || evs[1].CallID != "two" || evs[1].CalledNumber != "0046812345678" || evs[2].CallID != "three@127.0.0.1" {
		t.Errorf("events %q %q %q", evs[0].CallID, evs[1].CallID, evs[2].CallID)
	}
	if !strings.HasSuffix(evs[1].Raw, "hello") || evs[1].Transport != event.TCP || evs[1].Destination.String() != ln.Addr().String() {
		t.Errorf("event %+v", evs[1])
	}
}

func TestTCPBoundsHostileClients(t *testing.T) {
	tests := []struct {
		name  string
		cfg   Config
		send  string
		hold  bool
		check func(t *testing.T, s *Server, e *event.Event)
	}{
		{name: "oversize message recorded then closed", cfg: Config{MaxMessage: 1024},
			send: "OPTIONS sip:1@x SIP/2.0\r\nX: " + strings.Repeat("a", 4000) + "\r\n\r\n",
			check: func(t *testing.T, s *Server, e *event.Event) {
				if s.Stats().Oversize != 1 || e.ParseError == "" || e.Method != "OPTIONS" {
					t.Errorf("stats %+v event %+v", s.Stats(), e)
				}
			}},
		{name: "slow partial message recorded on timeout", cfg: Config{IdleTimeout: 200 * time.Millisecond},
			send: "REGISTER sip:200@x SIP/2.0\r\nUser-Agent: slowloris", hold: true,
			check: func(t *testing.T, s *Server, e *event.Event) {
				if e.Method != "REGISTER" || e.ParseError == "" || s.Stats().TimedOut != 1 {
					t.Errorf("stats %+v event %+v", s.Stats(), e)
				}
			}},
		{name: "truncated body recorded on close", cfg: Config{},
			send: "INVITE sip:9@x SIP/2.0\r\nContent-Length: 100\r\n\r\nshort",
			check: func(t *testing.T, s *Server, e *event.Event) {
				if e.Method != "INVITE" || !strings.Contains(e.ParseError, "ended inside") {
					t.Errorf("event %+v", e)
				}
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newCollector()
			tt.cfg.Publisher = c
			s := New(tt.cfg)
			ln := serveStream(t, s, event.TCP, nil)
			conn, err := net.Dial("tcp", ln.Addr().String())
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			conn.Write([]byte(tt.send))
			if !tt.hold {
				conn.(*net.TCPConn).CloseWrite()
			}
			e := c.wait(t, 1)[0]
			time.Sleep(10 * time.Millisecond)
			tt.check(t, s, e)
		})
	}
}

func TestTCPCapsConnectionsPerSource(t *testing.T) {
	c := newCollector()
	s := New(Config{Publisher: c, MaxPerSource: 2})
	ln := serveStream(t, s, event.TCP, nil)
	var conns []net.Conn
	for range 4 {
		conn, err := net.Dial("tcp", ln.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		conns = append(conns, conn)
	}
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	deadline := time.Now().Add(5 * time.Second)
	for s.Stats().ConnsRefused < 2 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if st := s.Stats(); st.ConnsRefused != 2 || st.ConnsAccepted != 2 {
		t.Fatalf("stats %+v, want 2 accepted and 2 refused", st)
	}
	// Closing one frees a slot.
	conns[0].Close()
	time.Sleep(50 * time.Millisecond)
	conn, _ := net.Dial("tcp", ln.Addr().String())
	conns = append(conns, conn)
	conn.Write([]byte(options))
	if e := c.wait(t, 1)[0]; e.Method != "OPTIONS" {
		t.Errorf("event %+v", e)
	}
}

func TestTLS(t *testing.T) {
	tc, err := tlsconf.SelfSigned(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	c := newCollector()
	s := New(Config{Publisher: c, Answerer: echoAnswerer{}})
	ln := serveStream(t, s, event.TLS, tc)
	conn, err := tls.Dial("tcp", ln.Addr().String(), &tls.Config{InsecureSkipVerify: true})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.Write([]byte(options))
	conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	buf := make([]byte, 1024)
	n, err := conn.Read(buf)
	if err != nil || !strings.HasPrefix(string(buf[:n]), "SIP/2.0 200 OK") {
		t.Errorf("answer %q, %v", buf[:n], err)
	}
	if e := c.wait(t, 1)[0]; e.Transport != event.TLS || e.UserAgent != "friendly-scanner" {
		t.Errorf("event %+v", e)
	}
}

func itoa(n int) string {
	return netip.AddrPortFrom(netip.IPv4Unspecified(), uint16(n)).String()[len("0.0.0.0:"):]
}

func TestAdmitCapsPerSourceAndInAll(t *testing.T) {
	s := New(Config{Publisher: newCollector(), MaxPerSource: 2, MaxConns: 3})
	a, b := netip.MustParseAddr("192.0.2.1"), netip.MustParseAddr("192.0.2.2")
	steps := []struct {
		ip   netip.Addr
		want bool
	}{
		{a, true}, {a, true}, {a, false}, // per-source cap
		{b, true}, {b, false}, // total cap (3 held)
	}
	for i, st := range steps {
		if got := s.admit(st.ip); got != st.want {
			t.Fatalf("step %d: admit(%v) = %v, want %v", i, st.ip, got, st.want)
		}
	}
	s.release(a)
	if !s.admit(b) {
		t.Fatal("a released slot was not reusable")
	}
	if s.admit(b) {
		t.Fatal("per-source cap for b not enforced")
	}
}

// partialPublisher takes at most room events per call, as a bus whose
// slowest sink's queue is nearly full does, and records each call's size.
type partialPublisher struct {
	*collector
	room  int
	calls []int
}

func (p *partialPublisher) PublishBatch(es []*event.Event) int {
	p.mu.Lock()
	p.calls = append(p.calls, len(es))
	p.mu.Unlock()
	return p.collector.PublishBatch(es[:min(len(es), p.room)])
}

// TestUDPPublishesEachReadAtOnce queues datagrams before the listener
// starts, so that its reads return full batches: each read's events must
// reach the publisher in one call, and what the publisher refuses is
// counted as not published.
func TestUDPPublishesEachReadAtOnce(t *testing.T) {
	const sent = 3 * udpBatch
	p := &partialPublisher{collector: newCollector(), room: udpBatch / 2}
	s := New(Config{Publisher: p, UDPReaders: 1})
	uc, err := ListenUDP(t.Context(), netip.MustParseAddrPort("127.0.0.1:0"))
	if err != nil {
		t.Fatal(err)
	}
	conn, err := net.Dial("udp", uc.LocalAddr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	for range sent {
		if _, err := conn.Write([]byte(options)); err != nil {
			t.Fatal(err)
		}
	}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error)
	go func() { done <- s.ServeUDP(ctx, uc) }()
	p.wait(t, sent/2)
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.calls) != 3 || p.calls[0] != udpBatch {
		t.Errorf("publisher called with %v events, want 3 calls of %d", p.calls, udpBatch)
	}
	if st := s.Stats(); st.UDPPackets != sent || st.Published != sent/2 || st.NotPublished != sent/2 {
		t.Errorf("stats %+v, want %d packets, half published", st, sent)
	}
}
