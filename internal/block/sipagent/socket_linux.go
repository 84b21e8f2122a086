package sipagent

import (
	"net"

	"golang.org/x/sys/unix"
)

// growReadBuffer asks for at least n bytes of receive buffer on c: past
// net.core.rmem_max when the process has CAP_NET_ADMIN, else as much as
// rmem_max allows. It never shrinks a buffer the caller made larger, and a
// failure leaves the socket working with the buffer it had.
func growReadBuffer(c *net.UDPConn, n int) {
	raw, err := c.SyscallConn()
	if err != nil {
		return
	}
	raw.Control(func(fd uintptr) {
		// Linux reports twice what was set (the other half is its own
		// bookkeeping).
		if cur, err := unix.GetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_RCVBUF); err == nil && cur/2 >= n {
			return
		}
		if unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_RCVBUFFORCE, n) == nil {
			return
		}
		_ = unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_RCVBUF, n)
	})
}
