package record

import (
	"fmt"
	"net/netip"
)

// CheckIP reports whether ip may be a record's SourceIP. It must be valid,
// without a zone and not in IPv4-mapped IPv6 form (::ffff:0:0/96; use
// [netip.Addr.Unmap]), so that one attacker has one key. Unless
// allowPrivate, it must also be a globally routable unicast address:
// CheckIP refuses these ranges (IANA special-purpose registries, RFC 6890
// and successors):
//
//	0.0.0.0/8        "this network", incl. 0.0.0.0
//	10.0.0.0/8       private
//	100.64.0.0/10    carrier-grade NAT
//	127.0.0.0/8      loopback
//	169.254.0.0/16   link-local
//	172.16.0.0/12    private
//	192.0.0.0/24     IETF protocol assignments
//	192.0.2.0/24     documentation (TEST-NET-1)
//	192.168.0.0/16   private
//	198.18.0.0/15    benchmarking
//	198.51.100.0/24  documentation (TEST-NET-2)
//	203.0.113.0/24   documentation (TEST-NET-3)
//	224.0.0.0/4      multicast
//	240.0.0.0/4      reserved, incl. 255.255.255.255
//
//	::/128           unspecified
//	::1/128          loopback
//	fe80::/10        link-local
//	fc00::/7         unique local
//	ff00::/8         multicast
//	2001:db8::/32    documentation
//	3fff::/20        documentation (RFC 9637)
//	2001:2::/48      benchmarking
//	64:ff9b::/96     NAT64 well-known prefix
//	64:ff9b:1::/48   NAT64 local use
//	100::/64         discard-only
//	anything outside 2000::/3 (not allocated for global unicast)
//
// NAT64 addresses are refused because they stand for an IPv4 host behind a
// translator: the host is better reported, by a node that sees it, under
// its IPv4 address, and a translated source is not routable from elsewhere.
//
// The error wraps [ErrIP].
func CheckIP(ip netip.Addr, allowPrivate bool) error {
	switch {
	case !ip.IsValid():
		return fmt.Errorf("no source ip: %w", ErrIP)
	case ip.Zone() != "":
		return fmt.Errorf("source ip %v has a zone: %w", ip, ErrIP)
	case ip.Is4In6():
		return fmt.Errorf("source ip %v is ipv4-mapped: %w", ip, ErrIP)
	case allowPrivate:
		return nil
	}
	if name := reserved(ip); name != "" {
		return fmt.Errorf("source ip %v is in %s: %w", ip, name, ErrIP)
	}
	return nil
}

// IsPublic reports whether CheckIP(ip, false) would accept ip, without
// building an error: for hot paths that only need the answer.
func IsPublic(ip netip.Addr) bool {
	return ip.IsValid() && ip.Zone() == "" && !ip.Is4In6() && reserved(ip) == ""
}

func reserved(ip netip.Addr) string {
	if ip.Is4() {
		return reserved4(ip.As4())
	}
	return reserved6(ip.As16())
}

// reserved4 returns the reserved range a is in, or "". Written as byte
// tests rather than a prefix table: it runs for every probe and needs no
// package-level state.
func reserved4(a [4]byte) string {
	switch {
	case a[0] == 0:
		return "0.0.0.0/8"
	case a[0] == 10:
		return "10.0.0.0/8"
	case a[0] == 100 && a[1]&0xc0 == 64:
		return "100.64.0.0/10"
	case a[0] == 127:
		return "127.0.0.0/8"
	case a[0] == 169 && a[1] == 254:
		return "169.254.0.0/16"
	case a[0] == 172 && a[1]&0xf0 == 16:
		return "172.16.0.0/12"
	case a[0] == 192 && a[1] == 0 && a[2] == 0:
		return "192.0.0.0/24"
	case a[0] == 192 && a[1] == 0 && a[2] == 2:
		return "192.0.2.0/24"
	case a[0] == 192 && a[1] == 168:
		return "192.168.0.0/16"
	case a[0] == 198 && a[1]&0xfe == 18:
		return "198.18.0.0/15"
	case a[0] == 198 && a[1] == 51 && a[2] == 100:
		return "198.51.100.0/24"
	case a[0] == 203 && a[1] == 0 && a[2] == 113:
		return "203.0.113.0/24"
	case a[0]&0xf0 == 224:
		return "224.0.0.0/4"
	case a[0]&0xf0 == 240:
		return "240.0.0.0/4"
	}
	return ""
}

// reserved6 returns the reserved range a is in, or "". IPv4-mapped
// addresses never get here (CheckIP refuses them first).
func reserved6(a [16]byte) string {
	switch {
	case a == [16]byte{}:
		return "::/128"
	case a == [16]byte{15: 1}:
		return "::1/128"
	case a[0] == 0xfe && a[1]&0xc0 == 0x80:
		return "fe80::/10"
	case a[0]&0xfe == 0xfc:
		return "fc00::/7"
	case a[0] == 0xff:
		return "ff00::/8"
	case a[0] == 0x20 && a[1] == 0x01 && a[2] == 0x0d && a[3] == 0xb8:
		return "2001:db8::/32"
	case a[0] == 0x3f && a[1] == 0xff && a[2]&0xf0 == 0:
		return "3fff::/20"
	case a[0] == 0x20 && a[1] == 0x01 && a[2] == 0 && a[3] == 0x02 && a[4] == 0 && a[5] == 0:
		return "2001:2::/48"
	case [12]byte(a[:12]) == [12]byte{1: 0x64, 2: 0xff, 3: 0x9b}:
		return "64:ff9b::/96"
	case [6]byte(a[:6]) == [6]byte{1: 0x64, 2: 0xff, 3: 0x9b, 5: 0x01}:
		return "64:ff9b:1::/48"
	case [8]byte(a[:8]) == [8]byte{0: 0x01}:
		return "100::/64"
	case a[0]&0xe0 != 0x20:
		return "a range outside 2000::/3"
	}
	return ""
}
