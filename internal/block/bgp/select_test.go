package bgp

import (
	"net/netip"
	"slices"
	"testing"
	"time"

	"github.com/sentrypeer/sentrypeer/internal/decision"
)

func TestSelect(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	d := func(v string, o decision.Origin, reporters int, left time.Duration) decision.Decision {
		x := decision.Decision{Value: v, Origin: o, Reporters: reporters, Until: now.Add(left)}
		if p, err := netip.ParsePrefix(v); err == nil {
			x.Kind, x.Prefix = decision.Net, p
		} else if a, err := netip.ParseAddr(v); err == nil {
			x.Kind, x.Prefix = decision.IP, netip.PrefixFrom(a, a.BitLen())
		} else {
			x.Kind = decision.Number
		}
		return x
	}
	h := time.Hour
	ds := []decision.Decision{
		d("203.0.113.1", decision.Peers, 9, 9*h),
		d("203.0.113.2", decision.Local, 1, h),
		d("203.0.113.3", decision.Local, 3, h),
		d("203.0.113.4", decision.Local, 3, 2*h),
		d("2001:db8::4", decision.Trusted, 1, h),
		d("198.51.100.0/24", decision.Manual, 0, h),
		d("+442079460000", decision.Manual, 5, 9*h),
	}
	for _, tc := range []struct {
		name string
		max  int
		want []string
	}{
		{"no cap", 0, []string{"198.51.100.0/24", "2001:db8::4/128", "203.0.113.4/32", "203.0.113.3/32", "203.0.113.2/32", "203.0.113.1/32"}},
		{"cap above", 100, []string{"198.51.100.0/24", "2001:db8::4/128", "203.0.113.4/32", "203.0.113.3/32", "203.0.113.2/32", "203.0.113.1/32"}},
		{"origin first", 2, []string{"198.51.100.0/24", "2001:db8::4/128"}},
		{"then reporters, then until", 4, []string{"198.51.100.0/24", "2001:db8::4/128", "203.0.113.4/32", "203.0.113.3/32"}},
		{"peers last", 5, []string{"198.51.100.0/24", "2001:db8::4/128", "203.0.113.4/32", "203.0.113.3/32", "203.0.113.2/32"}},
		{"one", 1, []string{"198.51.100.0/24"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got []string
			for _, p := range Select(slices.Clone(ds), tc.max) {
				got = append(got, p.String())
			}
			if !slices.Equal(got, tc.want) {
				t.Fatalf("Select(max %d) = %v, want %v", tc.max, got, tc.want)
			}
		})
	}
	t.Run("mapped and shared prefixes", func(t *testing.T) {
		ds := []decision.Decision{
			{Value: "a", Kind: decision.IP, Prefix: netip.MustParsePrefix("::ffff:203.0.113.9/128"), Origin: decision.Local},
			{Value: "b", Kind: decision.Net, Prefix: netip.MustParsePrefix("203.0.113.9/32"), Origin: decision.Local},
			{Value: "c", Kind: decision.Net, Prefix: netip.MustParsePrefix("203.0.113.77/24"), Origin: decision.Local},
			{Value: "d", Kind: decision.IP, Origin: decision.Manual},
		}
		var got []string
		for _, p := range Select(ds, 0) {
			got = append(got, p.String())
		}
		if want := []string{"203.0.113.9/32", "203.0.113.0/24"}; !slices.Equal(got, want) {
			t.Fatalf("Select = %v, want %v", got, want)
		}
	})
}
