package siplisten

import (
	"net"
	"net/netip"
	"testing"
)

// TestUDPRecordsExactSource: the source of each datagram, address and
// port, is what the sender's socket is bound to, for both families (the
// reader decodes the kernel's socket addresses itself).
func TestUDPRecordsExactSource(t *testing.T) {
	cases := []struct{ name, listen, from string }{
		{"ipv4", "127.0.0.1:0", "127.0.0.1:0"},
		{"ipv6", "[::1]:0", "[::1]:0"},
		{"ipv6 wildcard", "[::]:0", "[::1]:0"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := newCollector()
			uc := serveUDP(t, New(Config{Publisher: c}), tc.listen)
			to := uc.LocalAddr().(*net.UDPAddr).AddrPort()
			if to.Addr().IsUnspecified() {
				to = netip.AddrPortFrom(netip.IPv6Loopback(), to.Port())
			}
			from, err := net.ListenUDP("udp", net.UDPAddrFromAddrPort(netip.MustParseAddrPort(tc.from)))
			if err != nil {
				t.Fatal(err)
			}
			defer from.Close()
			if _, err := from.WriteToUDPAddrPort([]byte(options), to); err != nil {
				t.Fatal(err)
			}
			want := from.LocalAddr().(*net.UDPAddr).AddrPort()
			if got := c.wait(t, 1)[0].Source; got != want {
				t.Errorf("source %v, want %v", got, want)
			}
		})
	}
}
