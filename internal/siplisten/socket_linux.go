package siplisten

import "golang.org/x/sys/unix"

// setReadBuffer asks for n bytes of receive buffer, past rmem_max when we
// have CAP_NET_ADMIN, else as much as the system allows. Failure is not
// fatal: the socket still works with a smaller buffer.
func setReadBuffer(fd uintptr, n int) error {
	if unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_RCVBUFFORCE, n) == nil {
		return nil
	}
	_ = unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_RCVBUF, n)
	return nil
}
