package sipagent

import (
	"fmt"
	"net"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// benchInvite is an INVITE as Kamailio relays it, with an SDP body.
var benchInvite = strings.Replace(request("INVITE", "sip:+442079460000@127.0.0.1:5080", cleanVia,
	"X-SentryPeer-Source: 198.51.100.1", "Contact: <sip:caller@198.51.100.1:5090>", "Content-Type: application/sdp"),
	"Content-Length: 0\r\n\r\n", "Content-Length: 26\r\n\r\nv=0\r\no=- 1 1 IN IP4 0.0.0.0\r\n", 1)

func benchSet() *fakeSet {
	set := newFakeSet("203.0.113.7", "192.0.2.0/24")
	for i := range 10_000 {
		set.add(fmt.Sprintf("+4490%06d", i))
	}
	return set
}

// BenchmarkAgentINVITE decides a clean INVITE (two lookups, a 302).
func BenchmarkAgentINVITE(b *testing.B) {
	a := newTestAgent(b, Config{}, benchSet())
	b.Run("serial", func(b *testing.B) {
		w := newWorker()
		b.ReportAllocs()
		for b.Loop() {
			if a.handle(w, benchInvite) == nil {
				b.Fatal("no response")
			}
		}
	})
	b.Run("parallel", func(b *testing.B) {
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			w := newWorker()
			for pb.Next() {
				a.handle(w, benchInvite)
			}
		})
	})
}

// loadResult is what a load run measured.
type loadResult struct {
	sent, answered int
	elapsed        time.Duration
	p50, p99, max  time.Duration
}

func (r loadResult) String() string {
	return fmt.Sprintf("%d/%d answered in %v (%.0f answers/s), rtt p50 %v p99 %v max %v",
		r.answered, r.sent, r.elapsed.Round(time.Millisecond), float64(r.answered)/r.elapsed.Seconds(), r.p50, r.p99, r.max)
}

// load sends n INVITEs to addr over UDP, at rate per second (0: as fast
// as a window of 64 outstanding requests allows), and measures each
// round trip by its Call-ID.
func load(t testing.TB, addr string, n, rate int) loadResult {
	c, err := net.Dial("udp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.(*net.UDPConn).SetReadBuffer(4 << 20)
	c.(*net.UDPConn).SetWriteBuffer(4 << 20)
	sentAt := make([]atomic.Int64, n)
	rtts := make([]time.Duration, 0, n)
	window := make(chan struct{}, 64)
	readerDone := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		defer close(readerDone)
		buf := make([]byte, 4096)
		for len(rtts) < n {
			c.SetReadDeadline(time.Now().Add(time.Second))
			k, err := c.Read(buf)
			if err != nil {
				return // lost answers: counted as unanswered
			}
			now := time.Now().UnixNano()
			resp := string(buf[:k])
			i := strings.Index(resp, "Call-ID: load-")
			if i < 0 {
				continue
			}
			var id int
			fmt.Sscanf(resp[i+len("Call-ID: load-"):], "%d", &id)
			if id >= 0 && id < n {
				rtts = append(rtts, time.Duration(now-sentAt[id].Load()))
			}
			if rate == 0 {
				<-window
			}
		}
	})
	msgs := make([][]byte, n)
	for i := range msgs {
		msgs[i] = []byte(strings.Replace(benchInvite, "Call-ID: call-1@", fmt.Sprintf("Call-ID: load-%d@", i), 1))
	}
	start := time.Now()
	for i := range n {
		select {
		case <-readerDone:
			// No answer for a second: the rest would wait a second each.
			wg.Wait()
			return result(n, rtts, start)
		default:
		}
		if rate > 0 {
			if d := time.Until(start.Add(time.Duration(i) * time.Second / time.Duration(rate))); d > 0 {
				time.Sleep(d)
			}
		} else {
			select {
			case window <- struct{}{}:
			case <-readerDone:
			case <-time.After(time.Second):
				// an answer was lost; go on
			}
		}
		sentAt[i].Store(time.Now().UnixNano())
		c.Write(msgs[i])
	}
	wg.Wait()
	return result(n, rtts, start)
}

func result(sent int, rtts []time.Duration, start time.Time) loadResult {
	r := loadResult{sent: sent, answered: len(rtts), elapsed: time.Since(start)}
	if len(rtts) > 0 {
		slices.Sort(rtts)
		r.p50, r.p99, r.max = rtts[len(rtts)/2], rtts[len(rtts)*99/100], rtts[len(rtts)-1]
	}
	return r
}

// TestAgentLoad drives the agent over loopback UDP: as fast as it
// answers, then at 5,000 INVITEs/s, and reports answers/s and round-trip
// percentiles (client included). 20,000/s and every answer at 5,000/s are
// checked without the race detector only.
func TestAgentLoad(t *testing.T) {
	if testing.Short() {
		t.Skip("load test; skipped with -short")
	}
	a := newTestAgent(t, Config{}, benchSet())
	addr, _ := run(t, a)

	max := load(t, addr.String(), 100_000, 0)
	t.Logf("max rate: %v", max)
	paced := load(t, addr.String(), 15_000, 5_000)
	t.Logf("5,000/s:  %v", paced)
	if raceEnabled {
		return
	}
	if rate := float64(max.answered) / max.elapsed.Seconds(); rate < 20_000 {
		t.Errorf("answered %.0f INVITEs/s, want at least 20,000", rate)
	}
	// p99 under 1 ms is bench/sipagent's to measure on a quiet machine:
	// here, beside the other tests, it was 0.99 ms with nothing wrong.
	if paced.answered < paced.sent*999/1000 {
		t.Errorf("at 5,000/s: %v; want all answered", paced)
	}
}
