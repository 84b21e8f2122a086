package sipagent

import (
	"bufio"
	"context"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/sentrypeer/sentrypeer/internal/sip"
)

// run serves a on a fresh UDP socket and TCP listener on 127.0.0.1 and
// stops them when the test ends, checking that both return nil.
func run(t *testing.T, a *Agent) (udp net.Addr, tcp net.Addr) {
	t.Helper()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 2)
	go func() { done <- a.Serve(ctx, pc) }()
	go func() { done <- a.ServeStream(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		for range 2 {
			select {
			case err := <-done:
				if err != nil {
					t.Errorf("serve returned %v", err)
				}
			case <-time.After(5 * time.Second):
				t.Error("serve did not return after cancel")
			}
		}
		pc.Close()
		ln.Close()
	})
	return pc.LocalAddr(), ln.Addr()
}

func readResponse(t *testing.T, r *bufio.Reader) sip.Message {
	t.Helper()
	var b strings.Builder
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			t.Fatalf("reading response: %v (so far %q)", err, b.String())
		}
		b.WriteString(line)
		if line == "\r\n" {
			break
		}
	}
	var m sip.Message
	sip.Parse(b.String(), &m)
	return m
}

func TestServeUDP(t *testing.T) {
	a := newTestAgent(t, Config{}, newFakeSet("666"))
	addr, _ := run(t, a)
	c, err := net.Dial("udp", addr.String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	buf := make([]byte, 4096)
	for _, tt := range []struct {
		msg  string
		want int
	}{
		{request("INVITE", "sip:100@127.0.0.1", cleanVia), 302},
		{request("INVITE", "sip:666@127.0.0.1", cleanVia), 404},
		{request("OPTIONS", "sip:127.0.0.1", cleanVia), 200},
	} {
		c.Write([]byte(tt.msg))
		c.SetReadDeadline(time.Now().Add(2 * time.Second))
		n, err := c.Read(buf)
		if err != nil {
			t.Fatal(err)
		}
		var m sip.Message
		sip.Parse(string(buf[:n]), &m)
		if m.StatusCode != tt.want {
			t.Fatalf("got %d, want %d:\n%s", m.StatusCode, tt.want, buf[:n])
		}
	}
}

// TestServeUDPAgain: Serve does not close the socket, so it can serve it
// again after a cancel.
func TestServeUDPAgain(t *testing.T) {
	a := newTestAgent(t, Config{}, newFakeSet())
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close()
	for range 2 {
		ctx, cancel := context.WithCancel(t.Context())
		done := make(chan error)
		go func() { done <- a.Serve(ctx, pc) }()
		c, _ := net.Dial("udp", pc.LocalAddr().String())
		c.Write([]byte(request("OPTIONS", "sip:127.0.0.1", cleanVia)))
		c.SetReadDeadline(time.Now().Add(2 * time.Second))
		if _, err := c.Read(make([]byte, 2048)); err != nil {
			t.Fatal(err)
		}
		c.Close()
		cancel()
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
}

func TestServeStream(t *testing.T) {
	a := newTestAgent(t, Config{}, newFakeSet("666"))
	_, addr := run(t, a)
	c, err := net.Dial("tcp", addr.String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	r := bufio.NewReader(c)

	// Two messages in one write, the first with a body, then a ping.
	withBody := strings.Replace(request("INVITE", "sip:100@127.0.0.1", cleanVia), "Content-Length: 0\r\n\r\n", "Content-Length: 5\r\n\r\nv=0\r\n", 1)
	io.WriteString(c, "\r\n"+withBody+request("INVITE", "sip:666@127.0.0.1", cleanVia))
	if m := readResponse(t, r); m.StatusCode != 302 {
		t.Fatalf("first: %d", m.StatusCode)
	}
	if m := readResponse(t, r); m.StatusCode != 404 {
		t.Fatalf("second: %d", m.StatusCode)
	}
	io.WriteString(c, "\r\n\r\n")
	if pong, err := r.ReadString('\n'); err != nil || pong != "\r\n" {
		t.Fatalf("pong %q, %v", pong, err)
	}
	// A message split over writes.
	msg := request("OPTIONS", "sip:127.0.0.1", cleanVia)
	io.WriteString(c, msg[:20])
	time.Sleep(20 * time.Millisecond)
	io.WriteString(c, msg[20:])
	if m := readResponse(t, r); m.StatusCode != 200 {
		t.Fatalf("split: %d", m.StatusCode)
	}
}

func TestServeStreamLimits(t *testing.T) {
	a := newTestAgent(t, Config{MaxConns: 1, IdleTimeout: 200 * time.Millisecond}, newFakeSet())
	_, addr := run(t, a)

	c1, err := net.Dial("tcp", addr.String())
	if err != nil {
		t.Fatal(err)
	}
	defer c1.Close()
	io.WriteString(c1, request("OPTIONS", "sip:127.0.0.1", cleanVia))
	readResponse(t, bufio.NewReader(c1)) // c1 is being served

	// Over MaxConns: closed at once.
	c2, err := net.Dial("tcp", addr.String())
	if err != nil {
		t.Fatal(err)
	}
	defer c2.Close()
	c2.SetReadDeadline(time.Now().Add(2 * time.Second))
	if n, err := c2.Read(make([]byte, 1)); err != io.EOF {
		t.Fatalf("second connection: read %d, %v; want EOF", n, err)
	}

	// Idle: c1 is closed after IdleTimeout.
	c1.SetReadDeadline(time.Now().Add(2 * time.Second))
	if _, err := c1.Read(make([]byte, 1)); err != io.EOF {
		t.Fatalf("idle connection: %v, want EOF", err)
	}

	// Oversize: a header block over MaxMessage closes the connection.
	c3, err := net.Dial("tcp", addr.String())
	if err != nil {
		t.Fatal(err)
	}
	defer c3.Close()
	go io.WriteString(c3, "INVITE sip:1@h SIP/2.0\r\nX: "+strings.Repeat("a", MaxMessage)+"\r\n\r\n")
	c3.SetReadDeadline(time.Now().Add(2 * time.Second))
	if _, err := c3.Read(make([]byte, 1)); err == nil {
		t.Fatal("oversize message answered")
	}
	deadline := time.Now().Add(2 * time.Second)
	for {
		s := a.Stats()
		if s.ConnsRefused == 1 && s.ConnsTimedOut == 1 && s.Oversize == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("stats %+v", s)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
