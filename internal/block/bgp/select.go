package bgp

import (
	"cmp"
	"net/netip"
	"slices"
	"strings"

	"github.com/sentrypeer/sentrypeer/internal/decision"
)

// prefixOf is the route of d (masked, IPv4 unmapped), or false for a
// decision that has none (a number).
func prefixOf(d *decision.Decision) (netip.Prefix, bool) {
	if d.Kind == decision.Number || !d.Prefix.IsValid() {
		return netip.Prefix{}, false
	}
	p := d.Prefix
	if a := p.Addr(); a.Is4In6() {
		if p.Bits() < 96 {
			return netip.Prefix{}, false
		}
		p = netip.PrefixFrom(a.Unmap(), p.Bits()-96)
	}
	return p.Masked(), true
}

// strength orders origins by the weight of their evidence: manual,
// trusted, local, peers.
func strength(o decision.Origin) int {
	switch o {
	case decision.Manual:
		return 4
	case decision.Trusted:
		return 3
	case decision.Local:
		return 2
	case decision.Peers:
		return 1
	}
	return 0
}

// stronger orders decisions strongest first: origin, then reporters, then
// the one that lasts longest, then by value for a stable order.
func stronger(a, b *decision.Decision) int {
	return cmp.Or(
		cmp.Compare(strength(b.Origin), strength(a.Origin)),
		cmp.Compare(b.Reporters, a.Reporters),
		b.Until.Compare(a.Until),
		strings.Compare(a.Value, b.Value))
}

// Select returns the routes to announce for ds: the prefix of every
// address (/32, /128) and network decision, numbers left out, at most max
// of them (max <= 0: no cap), strongest evidence first (origin manual,
// trusted, local, peers; then more reporters; then the later Until). A
// prefix that two decisions share counts once.
func Select(ds []decision.Decision, max int) []netip.Prefix {
	idx := make([]int, 0, len(ds))
	for i := range ds {
		if _, ok := prefixOf(&ds[i]); ok {
			idx = append(idx, i)
		}
	}
	slices.SortFunc(idx, func(i, j int) int { return stronger(&ds[i], &ds[j]) })
	n := len(idx)
	if max > 0 {
		n = min(n, max)
	}
	out := make([]netip.Prefix, 0, n)
	seen := make(map[netip.Prefix]struct{}, n)
	for _, i := range idx {
		if max > 0 && len(out) == max {
			break
		}
		p, _ := prefixOf(&ds[i])
		if _, dup := seen[p]; dup {
			continue
		}
		seen[p] = struct{}{}
		out = append(out, p)
	}
	return out
}
