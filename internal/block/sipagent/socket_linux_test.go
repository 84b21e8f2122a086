package sipagent

import (
	"context"
	"net"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// rcvbuf is the receive buffer Linux reports for c: twice what was set.
func rcvbuf(t *testing.T, c *net.UDPConn) int {
	t.Helper()
	raw, err := c.SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	var n int
	var serr error
	if err := raw.Control(func(fd uintptr) { n, serr = unix.GetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_RCVBUF) }); err != nil {
		t.Fatal(err)
	}
	if serr != nil {
		t.Fatal(serr)
	}
	return n
}

// wantBuffer is the least Linux should report after growReadBuffer: the
// whole of udpReadBuffer with CAP_NET_ADMIN, else what rmem_max allows.
func wantBuffer(t *testing.T) int {
	t.Helper()
	b, err := os.ReadFile("/proc/sys/net/core/rmem_max")
	if err != nil {
		t.Skipf("reading rmem_max: %v", err)
	}
	max, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil {
		t.Fatal(err)
	}
	return 2 * min(udpReadBuffer, max)
}

func listenUDP(t *testing.T) *net.UDPConn {
	t.Helper()
	c, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// TestServeGrowsReadBuffer: Serve grows the socket it is given, and
// growReadBuffer leaves a larger buffer alone.
func TestServeGrowsReadBuffer(t *testing.T) {
	want := wantBuffer(t)
	c := listenUDP(t)
	before := rcvbuf(t, c)
	a := newTestAgent(t, Config{}, newFakeSet())
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- a.Serve(ctx, c) }()
	defer func() { cancel(); <-done }()
	deadline := time.Now().Add(2 * time.Second)
	for rcvbuf(t, c) < want && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if got := rcvbuf(t, c); got < want {
		t.Errorf("SO_RCVBUF %d after Serve started (%d before), want at least %d", got, before, want)
	}

	big := listenUDP(t)
	raw, _ := big.SyscallConn()
	var serr error
	raw.Control(func(fd uintptr) {
		serr = unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_RCVBUFFORCE, 4*udpReadBuffer)
	})
	if serr != nil {
		t.Logf("not checking that a larger buffer is kept: SO_RCVBUFFORCE: %v", serr)
		return
	}
	n := rcvbuf(t, big)
	growReadBuffer(big, udpReadBuffer)
	if got := rcvbuf(t, big); got != n {
		t.Errorf("growReadBuffer changed a larger buffer from %d to %d", n, got)
	}
}

// TestReadBufferHoldsBurst: a burst of INVITEs that arrives while nobody
// reads is kept whole, not cut to the ~160 of Linux's default buffer.
func TestReadBufferHoldsBurst(t *testing.T) {
	const burst = 1000
	c := listenUDP(t)
	growReadBuffer(c, udpReadBuffer)
	if got := rcvbuf(t, c); got < 2*udpReadBuffer {
		t.Skipf("SO_RCVBUF is %d: rmem_max is below %d and there is no CAP_NET_ADMIN", got, udpReadBuffer)
	}
	s, err := net.DialUDP("udp", nil, c.LocalAddr().(*net.UDPAddr))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	msg := []byte(benchInvite)
	for range burst {
		if _, err := s.Write(msg); err != nil {
			t.Fatal(err)
		}
	}
	buf := make([]byte, MaxMessage)
	got := 0
	for {
		c.SetReadDeadline(time.Now().Add(100 * time.Millisecond))
		if _, _, err := c.ReadFromUDPAddrPort(buf); err != nil {
			break
		}
		got++
	}
	if got != burst {
		t.Errorf("read %d of a burst of %d INVITEs", got, burst)
	}
}
