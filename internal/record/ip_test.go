package record

import (
	"math/rand/v2"
	"net/netip"
	"testing"
)

// reservedRanges is CheckIP's documented list, as CIDR text: the byte tests
// in ip.go are checked against it.
var reservedRanges = []string{
	"0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16",
	"172.16.0.0/12", "192.0.0.0/24", "192.0.2.0/24", "192.168.0.0/16", "198.18.0.0/15",
	"198.51.100.0/24", "203.0.113.0/24", "224.0.0.0/4", "240.0.0.0/4",
	"::/128", "::1/128", "fe80::/10", "fc00::/7", "ff00::/8", "2001:db8::/32",
	"3fff::/20", "2001:2::/48", "64:ff9b::/96", "64:ff9b:1::/48", "100::/64",
}

// referenceReserved is the slow, obviously right version of the rule.
func referenceReserved(ip netip.Addr) bool {
	for _, s := range reservedRanges {
		if netip.MustParsePrefix(s).Contains(ip) {
			return true
		}
	}
	return ip.Is6() && !netip.MustParsePrefix("2000::/3").Contains(ip)
}

func lastAddr(p netip.Prefix) netip.Addr {
	a := p.Addr().AsSlice()
	for i := p.Bits(); i < len(a)*8; i++ {
		a[i/8] |= 0x80 >> (i % 8)
	}
	ip, _ := netip.AddrFromSlice(a)
	return ip
}

func TestCheckIPRanges(t *testing.T) {
	for _, s := range reservedRanges {
		p := netip.MustParsePrefix(s)
		first, last := p.Addr(), lastAddr(p)
		t.Run(s, func(t *testing.T) {
			for _, ip := range []netip.Addr{first, last} {
				checkReason(t, CheckIP(ip, false), ErrIP)
				if IsPublic(ip) {
					t.Errorf("IsPublic(%v)", ip)
				}
				checkReason(t, CheckIP(ip, true), nil)
			}
			// Just outside: refused only if another range holds it.
			for _, ip := range []netip.Addr{first.Prev(), last.Next()} {
				if !ip.IsValid() {
					continue
				}
				err := CheckIP(ip, false)
				if got, want := err != nil, referenceReserved(ip); got != want {
					t.Errorf("CheckIP(%v) = %v, want refused=%v", ip, err, want)
				}
			}
		})
	}
}

func TestCheckIP(t *testing.T) {
	tests := []struct {
		name    string
		ip      netip.Addr
		private bool
		want    error
	}{
		{"public v4", netip.MustParseAddr("9.9.9.9"), false, nil},
		{"public v6", netip.MustParseAddr("2606:4700::1111"), false, nil},
		{"6to4 is routable", netip.MustParseAddr("2002:c000:0204::1"), false, nil},
		{"broadcast", netip.MustParseAddr("255.255.255.255"), false, ErrIP},
		{"unassigned v6", netip.MustParseAddr("4000::1"), false, ErrIP},
		{"ipv4-compatible v6", netip.MustParseAddr("::9.9.9.9"), false, ErrIP},
		{"invalid", netip.Addr{}, true, ErrIP},
		{"zone", netip.MustParseAddr("fe80::1%eth0"), true, ErrIP},
		{"mapped", netip.MustParseAddr("::ffff:9.9.9.9"), false, ErrIP},
		{"mapped private allowed", netip.MustParseAddr("::ffff:127.0.0.1"), true, ErrIP},
		{"loopback allowed", netip.MustParseAddr("::1"), true, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkReason(t, CheckIP(tt.ip, tt.private), tt.want)
			if !tt.private {
				if got := IsPublic(tt.ip); got != (tt.want == nil) {
					t.Errorf("IsPublic(%v) = %v, CheckIP says %v", tt.ip, got, tt.want)
				}
			}
		})
	}
}

// TestCheckIPMatchesReference compares the byte tests with the CIDR list
// on random addresses, half of the IPv6 ones inside 2000::/3.
func TestCheckIPMatchesReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range 200_000 {
		var ip netip.Addr
		switch i % 3 {
		case 0:
			ip = netip.AddrFrom4([4]byte{byte(rng.Uint32()), byte(rng.Uint32()), byte(rng.Uint32()), byte(rng.Uint32())})
		case 1:
			var a [16]byte
			for j := range a {
				a[j] = byte(rng.Uint32())
			}
			a[0] = 0x20 | a[0]&0x1f
			ip = netip.AddrFrom16(a)
		default:
			var a [16]byte
			for j := range a {
				a[j] = byte(rng.Uint32())
			}
			ip = netip.AddrFrom16(a)
			if ip.Is4In6() {
				continue
			}
		}
		if got, want := CheckIP(ip, false) != nil, referenceReserved(ip); got != want {
			t.Fatalf("CheckIP(%v) refused=%v, reference says %v", ip, got, want)
		}
		if IsPublic(ip) == referenceReserved(ip) {
			t.Fatalf("IsPublic(%v) = %v, reference says reserved=%v", ip, IsPublic(ip), referenceReserved(ip))
		}
	}
}
