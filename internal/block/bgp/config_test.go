package bgp

import (
	"errors"
	"net/netip"
	"strings"
	"testing"
	"time"
)

func TestParseCommunity(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want Community
		err  bool
	}{
		{in: "65535:666", want: Blackhole},
		{in: "65535:65281", want: NoExport},
		{in: "blackhole", want: Blackhole},
		{in: "no-export", want: NoExport},
		{in: "0:0", want: 0},
		{in: "64512:9999", want: 64512<<16 | 9999},
		{in: "65536:1", err: true},
		{in: "1:65536", err: true},
		{in: "1", err: true},
		{in: "1:2:3", err: true},
		{in: "-1:2", err: true},
		{in: "", err: true},
	} {
		t.Run(tc.in, func(t *testing.T) {
			got, err := ParseCommunity(tc.in)
			if (err != nil) != tc.err || got != tc.want {
				t.Fatalf("ParseCommunity(%q) = %v, %v; want %v, error %v", tc.in, got, err, tc.want, tc.err)
			}
			if err == nil && !strings.Contains(tc.in, "-") && tc.in != "blackhole" && got.String() != tc.in {
				t.Errorf("String() = %q, want %q", got.String(), tc.in)
			}
		})
	}
}

func TestParseLargeCommunity(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want LargeCommunity
		err  bool
	}{
		{in: "4200000000:666:0", want: LargeCommunity{4200000000, 666, 0}},
		{in: "1:2:3", want: LargeCommunity{1, 2, 3}},
		{in: "4294967295:4294967295:4294967295", want: LargeCommunity{^uint32(0), ^uint32(0), ^uint32(0)}},
		{in: "4294967296:1:1", err: true},
		{in: "1:2", err: true},
		{in: "1:2:3:4", err: true},
		{in: "a:b:c", err: true},
		{in: "", err: true},
	} {
		t.Run(tc.in, func(t *testing.T) {
			got, err := ParseLargeCommunity(tc.in)
			if (err != nil) != tc.err || got != tc.want {
				t.Fatalf("ParseLargeCommunity(%q) = %v, %v; want %v, error %v", tc.in, got, err, tc.want, tc.err)
			}
			if err == nil && got.String() != tc.in {
				t.Errorf("String() = %q, want %q", got.String(), tc.in)
			}
		})
	}
}

func TestParseNeighbor(t *testing.T) {
	a := netip.MustParseAddr
	for _, tc := range []struct {
		in   string
		want Neighbor
		err  bool
	}{
		{in: "192.0.2.10,64500", want: Neighbor{Addr: a("192.0.2.10"), ASN: 64500}},
		{in: "192.0.2.10:1790,64500", want: Neighbor{Addr: a("192.0.2.10"), Port: 1790, ASN: 64500}},
		{in: "192.0.2.10,64500,password=s3cret,multihop=2", want: Neighbor{Addr: a("192.0.2.10"), ASN: 64500, Password: "s3cret", Multihop: 2}},
		{in: "192.0.2.10,4200000000,local=192.0.2.1", want: Neighbor{Addr: a("192.0.2.10"), ASN: 4200000000, Local: a("192.0.2.1")}},
		{in: "2001:db8::1,64500", want: Neighbor{Addr: a("2001:db8::1"), ASN: 64500}},
		{in: "[2001:db8::1],64500", want: Neighbor{Addr: a("2001:db8::1"), ASN: 64500}},
		{in: "[2001:db8::1]:179,64500,multihop=255", want: Neighbor{Addr: a("2001:db8::1"), Port: 179, ASN: 64500, Multihop: 255}},
		{in: "::ffff:192.0.2.10,64500", want: Neighbor{Addr: a("192.0.2.10"), ASN: 64500}},
		{in: "192.0.2.10", err: true},
		{in: "192.0.2.10,0", err: true},
		{in: "192.0.2.10,x", err: true},
		{in: "192.0.2.10,4294967296", err: true},
		{in: "192.0.2.10:0,64500", err: true},
		{in: "192.0.2.10:99999,64500", err: true},
		{in: "host.example,64500", err: true},
		{in: "fe80::1%eth0,64500", err: true},
		{in: "192.0.2.10,64500,multihop=0", err: true},
		{in: "192.0.2.10,64500,multihop=256", err: true},
		{in: "192.0.2.10,64500,password=", err: true},
		{in: "192.0.2.10,64500,md5", err: true},
		{in: "192.0.2.10,64500,ttl=3", err: true},
		{in: "192.0.2.10,64500,local=nope", err: true},
	} {
		t.Run(tc.in, func(t *testing.T) {
			got, err := ParseNeighbor(tc.in)
			if (err != nil) != tc.err || got != tc.want {
				t.Fatalf("ParseNeighbor(%q) = %+v, %v; want %+v, error %v", tc.in, got, err, tc.want, tc.err)
			}
		})
	}
}

func FuzzParseNeighbor(f *testing.F) {
	for _, s := range []string{"192.0.2.10:1790,64500,password=x,multihop=2", "[2001:db8::1]:179,64500", "65535:666", "1:2:3"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if n, err := ParseNeighbor(s); err == nil && (!n.Addr.IsValid() || n.ASN == 0) {
			t.Fatalf("ParseNeighbor(%q) = %+v without error", s, n)
		}
		if c, err := ParseCommunity(s); err == nil {
			if c2, err := ParseCommunity(c.String()); err != nil || c2 != c {
				t.Fatalf("community %q: round trip %v, %v", s, c2, err)
			}
		}
		if c, err := ParseLargeCommunity(s); err == nil {
			if c2, err := ParseLargeCommunity(c.String()); err != nil || c2 != c {
				t.Fatalf("large community %q: round trip %v, %v", s, c2, err)
			}
		}
	})
}

func TestConfigDefaults(t *testing.T) {
	a := netip.MustParseAddr
	n := Neighbor{Addr: a("192.0.2.10"), ASN: 64500}
	t.Run("defaults", func(t *testing.T) {
		c, err := Config{ASN: 64501, RouterID: a("192.0.2.1"), Neighbors: []Neighbor{n}}.withDefaults()
		if err != nil {
			t.Fatal(err)
		}
		if c.Neighbors[0].Port != 179 || len(c.Communities) != 2 || c.Communities[0] != Blackhole || c.Communities[1] != NoExport ||
			c.NextHopV4 != a("192.0.2.1") || c.NextHopV6 != a("100::1") || c.MaxPrefixes != 10000 ||
			c.ConnectRetry != 10*time.Second || c.Listen.IsValid() || c.Neighbors[0].Local.IsValid() {
			t.Fatalf("defaults: %+v", c)
		}
	})
	t.Run("derived", func(t *testing.T) {
		c, err := Config{ASN: 64501, Listen: netip.MustParseAddrPort("192.0.2.2:0"), Neighbors: []Neighbor{n}, Communities: []Community{}}.withDefaults()
		if err != nil {
			t.Fatal(err)
		}
		if c.RouterID != a("192.0.2.2") || c.Listen.Port() != 179 || c.Neighbors[0].Local != a("192.0.2.2") || len(c.Communities) != 0 {
			t.Fatalf("derived: %+v", c)
		}
	})
	for _, tc := range []struct {
		name string
		c    Config
		err  error
	}{
		{"no ASN", Config{RouterID: a("192.0.2.1"), Neighbors: []Neighbor{n}}, ErrNoASN},
		{"no neighbours", Config{ASN: 1, RouterID: a("192.0.2.1")}, ErrNoNeighbors},
		{"no router ID", Config{ASN: 1, Neighbors: []Neighbor{n}}, ErrRouterID},
		{"IPv6 router ID", Config{ASN: 1, RouterID: a("2001:db8::1"), Neighbors: []Neighbor{n}}, ErrRouterID},
		{"neighbour without ASN", Config{ASN: 1, RouterID: a("192.0.2.1"), Neighbors: []Neighbor{{Addr: a("192.0.2.10")}}}, nil},
		{"IPv6 next hop for IPv4", Config{ASN: 1, RouterID: a("192.0.2.1"), Neighbors: []Neighbor{n}, NextHopV4: a("100::1")}, nil},
		{"IPv4 next hop for IPv6", Config{ASN: 1, RouterID: a("192.0.2.1"), Neighbors: []Neighbor{n}, NextHopV6: a("192.0.2.1")}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := tc.c.withDefaults()
			if err == nil || (tc.err != nil && !errors.Is(err, tc.err)) {
				t.Fatalf("err = %v, want %v", err, tc.err)
			}
		})
	}
}
