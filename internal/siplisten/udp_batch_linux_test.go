//go:build linux

package siplisten

import (
	"net"
	"net/netip"
	"testing"
	"unsafe"

	"golang.org/x/sys/unix"
)

// TestSourceDecoding: the socket addresses recvmmsg writes, decoded.
// Ports are in network byte order; a link-local source keeps its zone,
// named as the net package names it (the interface, or its index when no
// interface has it).
func TestSourceDecoding(t *testing.T) {
	lo, err := net.InterfaceByIndex(1)
	if err != nil {
		t.Fatal(err)
	}
	v4 := func(a [4]byte, p uint16) unix.RawSockaddrInet6 {
		var sa unix.RawSockaddrInet6
		sa4 := (*unix.RawSockaddrInet4)(unsafe.Pointer(&sa))
		sa4.Family, sa4.Addr = unix.AF_INET, a
		*(*[2]byte)(unsafe.Pointer(&sa4.Port)) = [2]byte{byte(p >> 8), byte(p)}
		return sa
	}
	v6 := func(a string, p uint16, scope uint32) unix.RawSockaddrInet6 {
		sa := unix.RawSockaddrInet6{Family: unix.AF_INET6, Addr: netip.MustParseAddr(a).As16(), Scope_id: scope}
		*(*[2]byte)(unsafe.Pointer(&sa.Port)) = [2]byte{byte(p >> 8), byte(p)}
		return sa
	}
	cases := []struct {
		name string
		sa   unix.RawSockaddrInet6
		want netip.AddrPort
	}{
		{"ipv4", v4([4]byte{198, 51, 100, 7}, 5060), netip.MustParseAddrPort("198.51.100.7:5060")},
		{"ipv4 high port", v4([4]byte{203, 0, 113, 1}, 65535), netip.MustParseAddrPort("203.0.113.1:65535")},
		{"ipv6", v6("2001:db8::1", 5061, 0), netip.MustParseAddrPort("[2001:db8::1]:5061")},
		{"ipv4-mapped", v6("::ffff:192.0.2.1", 1, 0), netip.MustParseAddrPort("[::ffff:192.0.2.1]:1")},
		{"link-local", v6("fe80::1", 5060, 1), netip.AddrPortFrom(netip.MustParseAddr("fe80::1").WithZone(lo.Name), 5060)},
		{"link-local, no such interface", v6("fe80::2", 5060, 999999), netip.MustParseAddrPort("[fe80::2%999999]:5060")},
		{"not IP", unix.RawSockaddrInet6{Family: unix.AF_UNIX}, netip.AddrPort{}},
	}
	r := &mmsgReader{zones: make(map[uint32]string)}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := r.source(&tc.sa); got != tc.want {
				t.Errorf("source = %v, want %v", got, tc.want)
			}
		})
	}
}
