//go:build linux

// Command bareudp is the baseline of the flood benchmark: the simplest UDP
// read loop a Go programmer would write, with no parsing and no storage.
//
// It listens on -listen, asks for the same large socket receive buffer as the
// daemon (32 MiB with SO_RCVBUFFORCE, else SO_RCVBUF), and counts datagrams in
// a single goroutine. Once the socket is bound it prints one "ready" line to
// stdout; on SIGTERM or SIGINT it closes the socket and prints
// "packets=N bytes=M" to stdout, then exits 0.
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
)

// rcvBuf is the receive buffer the daemon asks for; the benchmark compares
// like with like, so the baseline asks for the same.
const rcvBuf = 32 << 20

func main() {
	listen := flag.String("listen", "127.0.0.1:5060", "UDP address to listen on")
	flag.Parse()
	if err := run(*listen); err != nil {
		fmt.Fprintln(os.Stderr, "bareudp:", err)
		os.Exit(1)
	}
}

func run(addr string) error {
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
	fmt.Printf("ready addr=%s rcvbuf=%d\n", conn.LocalAddr(), got)

	// Closing the socket is what ends the read loop, so the loop itself
	// stays a plain blocking read with a local counter.
	go func() {
		<-ctx.Done()
		conn.Close()
	}()

	var packets, bytes uint64
	buf := make([]byte, 65535)
	for {
		n, _, err := conn.ReadFromUDPAddrPort(buf)
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				break
			}
			return fmt.Errorf("reading: %w", err)
		}
		packets++
		bytes += uint64(n)
	}
	fmt.Printf("packets=%d bytes=%d\n", packets, bytes)
	return nil
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
