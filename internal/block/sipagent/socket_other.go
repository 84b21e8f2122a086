//go:build !linux

package sipagent

import "net"

// growReadBuffer asks for n bytes of receive buffer on c; the system may
// give less, and a failure leaves the socket as it was.
func growReadBuffer(c *net.UDPConn, n int) {
	_ = c.SetReadBuffer(n)
}
