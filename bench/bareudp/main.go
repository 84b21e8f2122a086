//go:build linux

// Command bareudp is the baseline of the flood benchmark: the simplest UDP
// read loop a Go programmer would write, with no parsing and no storage.
//
// It listens on -listen, asks for the same large socket receive buffer as the
// daemon (32 MiB with SO_RCVBUFFORCE, else SO_RCVBUF), and counts datagrams in
// a single goroutine. Once the socket is bound it prints one "ready" line to
// stdout; on SIGTERM or SIGINT it closes the socket and prints
// "packets=N bytes=M reads=R" to stdout, then exits 0.
//
// By default it reads one datagram per call (ReadFromUDPAddrPort, one
// recvfrom(2)). With -batch N it reads up to N per call with x/net's
// ReadBatch (one recvmmsg(2)), as the daemon's listener does: under a flood
// one call then serves many datagrams, so this is the floor for a reader
// that batches.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"os"
	"os/signal"
	"syscall"

	"golang.org/x/net/ipv4"
)

// rcvBuf is the receive buffer the daemon asks for; the benchmark compares
// like with like, so the baseline asks for the same.
const rcvBuf = 32 << 20

func main() {
	listen := flag.String("listen", "127.0.0.1:5060", "UDP address to listen on")
	batch := flag.Int("batch", 0, "read up to this many datagrams per call with recvmmsg (0: one per call with recvfrom)")
	flag.Parse()
	if *batch < 0 || *batch > 1024 {
		fmt.Fprintln(os.Stderr, "bareudp: -batch must be from 0 to 1024")
		os.Exit(2)
	}
	if err := run(*listen, *batch); err != nil {
		fmt.Fprintln(os.Stderr, "bareudp:", err)
		os.Exit(1)
	}
}

func run(addr string, batch int) error {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()

	lc := net.ListenConfig{Control: setRcvBuf}
	pc, err := lc.ListenPacket(ctx, "udp", addr)
	if err != nil {
		return fmt.Errorf("listening on %s: %w", addr, err)
	}
	conn := pc.(*net.UDPConn)
	got, err := rcvBufSize(conn)
	if err != nil {
		return err
	}
	fmt.Printf("ready addr=%s rcvbuf=%d batch=%d\n", conn.LocalAddr(), got, batch)

	// Closing the socket is what ends the read loop, so the loop itself
	// stays a plain blocking read with local counters.
	go func() {
		<-ctx.Done()
		conn.Close()
	}()

	read := readOne
	if batch > 0 {
		read = readBatch(batch)
	}
	c, err := read(conn)
	if err != nil {
		return err
	}
	fmt.Printf("packets=%d bytes=%d reads=%d\n", c.packets, c.bytes, c.reads)
	return nil
}

// counts is what a read loop saw: datagrams, their bytes, and the calls
// that returned at least one.
type counts struct{ packets, bytes, reads uint64 }

// readOne reads one datagram per call until conn is closed.
func readOne(conn *net.UDPConn) (counts, error) {
	var c counts
	buf := make([]byte, 65535)
	for {
		n, _, err := conn.ReadFromUDPAddrPort(buf)
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return c, nil
			}
			return c, fmt.Errorf("reading: %w", err)
		}
		c.packets++
		c.bytes += uint64(n)
		c.reads++
	}
}

// readBatch returns a loop that reads up to size datagrams per call, into
// buffers as large as the daemon's, until conn is closed.
func readBatch(size int) func(*net.UDPConn) (counts, error) {
	return func(conn *net.UDPConn) (counts, error) {
		var c counts
		pc := ipv4.NewPacketConn(conn)
		ms := make([]ipv4.Message, size)
		for i := range ms {
			ms[i].Buffers = [][]byte{make([]byte, 65536)}
		}
		for {
			n, err := pc.ReadBatch(ms, 0)
			if err != nil {
				if errors.Is(err, net.ErrClosed) {
					return c, nil
				}
				return c, fmt.Errorf("reading: %w", err)
			}
			for i := range n {
				c.bytes += uint64(ms[i].N)
			}
			c.packets += uint64(n)
			c.reads++
		}
	}
}

// setRcvBuf asks for rcvBuf bytes, first past net.core.rmem_max with
// SO_RCVBUFFORCE (needs CAP_NET_ADMIN), then within it with SO_RCVBUF.
func setRcvBuf(network, address string, c syscall.RawConn) error {
	var serr error
	err := c.Control(func(fd uintptr) {
		serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUFFORCE, rcvBuf)
		if serr != nil {
			serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, rcvBuf)
		}
	})
	if err != nil {
		return err
	}
	if serr != nil {
		return fmt.Errorf("setting receive buffer: %w", serr)
	}
	return nil
}

// rcvBufSize reports the receive buffer the kernel granted (twice the
// request, for its own bookkeeping, capped by rmem_max without the FORCE).
func rcvBufSize(conn *net.UDPConn) (int, error) {
	rc, err := conn.SyscallConn()
	if err != nil {
		return 0, fmt.Errorf("getting raw conn: %w", err)
	}
	var size int
	var serr error
	if err := rc.Control(func(fd uintptr) {
		size, serr = syscall.GetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF)
	}); err != nil {
		return 0, fmt.Errorf("reading receive buffer: %w", err)
	}
	if serr != nil {
		return 0, fmt.Errorf("reading receive buffer: %w", serr)
	}
	return size, nil
}
