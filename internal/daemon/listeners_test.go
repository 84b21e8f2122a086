package daemon

import (
	"errors"
	"fmt"
	"net"
	"os"
	"syscall"
	"testing"
)

// TestUnavailable: only "this host has no such address (family)" errors let
// a default listen address be skipped; anything else stops start-up.
func TestUnavailable(t *testing.T) {
	wrap := func(errno syscall.Errno) error {
		return fmt.Errorf("siplisten: listening: %w", &net.OpError{Op: "listen", Net: "udp6", Err: os.NewSyscallError("bind", errno)})
	}
	tests := []struct {
		err  error
		want bool
	}{
		{wrap(syscall.EAFNOSUPPORT), true},
		{wrap(syscall.EADDRNOTAVAIL), true},
		{wrap(syscall.EADDRINUSE), false},
		{wrap(syscall.EACCES), false},
		{errors.New("other"), false},
	}
	for _, tt := range tests {
		if got := unavailable(tt.err); got != tt.want {
			t.Errorf("unavailable(%v) = %v, want %v", tt.err, got, tt.want)
		}
	}
}
