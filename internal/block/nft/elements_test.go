package nft

import (
	"fmt"
	"net/netip"
	"slices"
	"testing"
	"time"

	"github.com/sentrypeer/sentrypeer/internal/decision"
)

func TestSpanOf(t *testing.T) {
	tests := []struct {
		prefix, lo, hi string // hi "": no end element
	}{
		{"198.51.100.7/32", "198.51.100.7", "198.51.100.8"},
		{"203.0.113.0/24", "203.0.113.0", "203.0.114.0"},
		{"203.0.113.77/24", "203.0.113.0", "203.0.114.0"},
		{"10.255.255.255/32", "10.255.255.255", "11.0.0.0"},
		{"255.255.255.255/32", "255.255.255.255", ""},
		{"240.0.0.0/4", "240.0.0.0", ""},
		{"0.0.0.0/0", "0.0.0.0", ""},
		{"2001:db8::1/128", "2001:db8::1", "2001:db8::2"},
		{"2001:db8::/32", "2001:db8::", "2001:db9::"},
		{"2001:db8:0:0:ffff:ffff:ffff:ffff/128", "2001:db8::ffff:ffff:ffff:ffff", "2001:db8:0:1::"},
		{"2001:db8::/64", "2001:db8::", "2001:db8:0:1::"},
		{"2001:db8::/65", "2001:db8::", "2001:db8:0:0:8000::"},
		{"ffff::/16", "ffff::", ""},
	}
	for _, tc := range tests {
		t.Run(tc.prefix, func(t *testing.T) {
			sp := spanOf(netip.MustParsePrefix(tc.prefix))
			hi := ""
			if sp.hi.IsValid() {
				hi = sp.hi.String()
			}
			if sp.lo.String() != tc.lo || hi != tc.hi {
				t.Errorf("spanOf(%s) = [%s, %s), want [%s, %s)", tc.prefix, sp.lo, hi, tc.lo, tc.hi)
			}
		})
	}
}

func TestCover(t *testing.T) {
	tests := []struct {
		name string
		want []string
		out  []string
	}{
		{"disjoint", []string{"198.51.100.7/32", "192.0.2.1/32", "203.0.113.0/24"},
			[]string{"192.0.2.1/32", "198.51.100.7/32", "203.0.113.0/24"}},
		{"inside a network", []string{"203.0.113.9/32", "203.0.113.0/24", "203.0.114.1/32"},
			[]string{"203.0.113.0/24", "203.0.114.1/32"}},
		{"nested networks", []string{"10.0.0.0/8", "10.1.0.0/16", "10.1.2.0/24", "10.1.2.3/32", "11.0.0.1/32"},
			[]string{"10.0.0.0/8", "11.0.0.1/32"}},
		{"adjacent", []string{"192.0.2.0/25", "192.0.2.128/25", "192.0.2.128/32"},
			[]string{"192.0.2.0/25", "192.0.2.128/25"}},
		{"ipv6", []string{"2001:db8::1/128", "2001:db8::/64", "2001:db8:1::1/128"},
			[]string{"2001:db8::/64", "2001:db8:1::1/128"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			want := map[netip.Prefix]time.Time{}
			for _, s := range tc.want {
				want[netip.MustParsePrefix(s)] = time.Time{}
			}
			var got []string
			for _, p := range cover(want) {
				got = append(got, p.String())
			}
			if !slices.Equal(got, tc.out) {
				t.Errorf("cover = %v, want %v", got, tc.out)
			}
		})
	}
}

func TestPairSpans(t *testing.T) {
	a := func(s string) netip.Addr { return netip.MustParseAddr(s) }
	start := func(s string, left time.Duration) elem { return elem{key: a(s), expires: left} }
	end := func(s string) elem { return elem{key: a(s), end: true} }
	tests := []struct {
		name   string
		es     []elem
		spans  []held
		strays int
	}{
		{
			name: "as the kernel lists them, highest first, adjacent",
			es: []elem{end("192.0.2.3"), start("192.0.2.2", 2*time.Second), end("192.0.2.2"),
				start("192.0.2.1", time.Second)},
			spans: []held{
				{span{a("192.0.2.1"), a("192.0.2.2")}, time.Second},
				{span{a("192.0.2.2"), a("192.0.2.3")}, 2 * time.Second},
			},
		},
		{
			name:  "to the last address",
			es:    []elem{start("255.255.255.255", time.Hour)},
			spans: []held{{span{lo: a("255.255.255.255")}, time.Hour}},
		},
		{
			name:   "an end whose element expired",
			es:     []elem{end("192.0.2.9"), end("192.0.2.3"), start("192.0.2.2", time.Minute)},
			spans:  []held{{span{a("192.0.2.2"), a("192.0.2.3")}, time.Minute}},
			strays: 1,
		},
		{
			name:   "two elements in a row",
			es:     []elem{start("192.0.2.1", 0), start("192.0.2.5", time.Minute), end("192.0.2.6")},
			spans:  []held{{span{a("192.0.2.5"), a("192.0.2.6")}, time.Minute}},
			strays: 1,
		},
		{
			name:   "a key of another length",
			es:     []elem{{raw: []byte{1, 2}}},
			spans:  []held{},
			strays: 1,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			spans, strays := pairSpans(tc.es)
			if fmt.Sprint(spans) != fmt.Sprint(tc.spans) || len(strays) != tc.strays {
				t.Errorf("pairSpans = %v and %d strays, want %v and %d", spans, len(strays), tc.spans, tc.strays)
			}
		})
	}
}

func TestTimeout(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	tests := []struct {
		left, want time.Duration
	}{
		{time.Hour, time.Hour},
		{time.Hour - time.Millisecond, time.Hour},
		{time.Hour + time.Millisecond, time.Hour + time.Second},
		{300 * time.Millisecond, time.Second},
		{0, time.Second},
		{-time.Minute, time.Second},
		{100 * 365 * 24 * time.Hour, maxTimeout},
	}
	for _, tc := range tests {
		if got := timeout(now.Add(tc.left), now); got != tc.want {
			t.Errorf("timeout(now+%v) = %v, want %v", tc.left, got, tc.want)
		}
	}
}

func TestPrefixOf(t *testing.T) {
	tests := []struct {
		d    decision.Decision
		want string // "": none
	}{
		{decision.Decision{Kind: decision.IP, Prefix: netip.MustParsePrefix("198.51.100.7/32")}, "198.51.100.7/32"},
		{decision.Decision{Kind: decision.IP, Prefix: netip.MustParsePrefix("::ffff:198.51.100.7/128")}, "198.51.100.7/32"},
		{decision.Decision{Kind: decision.Net, Prefix: netip.MustParsePrefix("203.0.113.5/24")}, "203.0.113.0/24"},
		{decision.Decision{Kind: decision.Net, Prefix: netip.MustParsePrefix("2001:db8::/32")}, "2001:db8::/32"},
		{decision.Decision{Kind: decision.Number, Value: "+441234567890"}, ""},
		{decision.Decision{Kind: decision.IP}, ""},
	}
	for _, tc := range tests {
		p, ok := prefixOf(&tc.d)
		got := ""
		if ok {
			got = p.String()
		}
		if got != tc.want {
			t.Errorf("prefixOf(%v %v) = %q, want %q", tc.d.Kind, tc.d.Prefix, got, tc.want)
		}
	}
}
