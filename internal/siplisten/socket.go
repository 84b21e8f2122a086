package siplisten

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"syscall"
)

// udpReadBuffer is the socket receive buffer asked for: floods arrive in
// bursts faster than one reader drains them, and the kernel drops what does
// not fit.
const udpReadBuffer = 32 << 20

// ListenUDP opens a UDP socket on ap with a large receive buffer. IPv6
// sockets are IPv6-only, so that [::]:5060 and 0.0.0.0:5060 can both be bound.
func ListenUDP(ctx context.Context, ap netip.AddrPort) (*net.UDPConn, error) {
	network := "udp4"
	if ap.Addr().Is6() {
		network = "udp6"
	}
	lc := net.ListenConfig{Control: func(_, _ string, c syscall.RawConn) error {
		var serr error
		err := c.Control(func(fd uintptr) { serr = setReadBuffer(fd, udpReadBuffer) })
		if err != nil {
			return err
		}
		return serr
	}}
	pc, err := lc.ListenPacket(ctx, network, ap.String())
	if err != nil {
		return nil, fmt.Errorf("siplisten: listening on udp %s: %w", ap, err)
	}
	return pc.(*net.UDPConn), nil
}

// ListenTCP opens a TCP listener on ap (IPv6-only for IPv6 addresses).
func ListenTCP(ctx context.Context, ap netip.AddrPort) (net.Listener, error) {
	network := "tcp4"
	if ap.Addr().Is6() {
		network = "tcp6"
	}
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, network, ap.String())
	if err != nil {
		return nil, fmt.Errorf("siplisten: listening on tcp %s: %w", ap, err)
	}
	return ln, nil
}
