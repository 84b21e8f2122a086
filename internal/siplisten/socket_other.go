//go:build !linux

package siplisten

import "syscall"

// setReadBuffer asks for n bytes of receive buffer; the system may give less.
func setReadBuffer(fd uintptr, n int) error {
	_ = syscall.SetsockoptInt(sysFD(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, n)
	return nil
}
