package nft

import (
	"cmp"
	"encoding/binary"
	"net/netip"
	"slices"
	"time"

	"github.com/sentrypeer/sentrypeer/internal/decision"
)

// span is an interval of an interval set: the element lo and the
// interval-end element hi, one past the last address. hi is the zero Addr
// when the interval runs to the family's last address (no end element).
type span struct {
	lo, hi netip.Addr
}

// spanOf is p's interval.
func spanOf(p netip.Prefix) span {
	p = p.Masked()
	return span{lo: p.Addr(), hi: lastAddr(p).Next()}
}

// lastAddr is p's last address.
func lastAddr(p netip.Prefix) netip.Addr {
	a, bits := p.Addr(), p.Bits()
	if a.Is4() {
		b := a.As4()
		v := binary.BigEndian.Uint32(b[:]) | ^uint32(0)>>bits
		binary.BigEndian.PutUint32(b[:], v)
		return netip.AddrFrom4(b)
	}
	b := a.As16()
	hi, lo := binary.BigEndian.Uint64(b[:8]), binary.BigEndian.Uint64(b[8:])
	if bits < 64 {
		hi |= ^uint64(0) >> bits
		lo = ^uint64(0)
	} else {
		lo |= ^uint64(0) >> (bits - 64)
	}
	binary.BigEndian.PutUint64(b[:8], hi)
	binary.BigEndian.PutUint64(b[8:], lo)
	return netip.AddrFrom16(b)
}

// prefixOf is d's prefix as the sets hold it (masked, IPv4 unmapped), or
// false for a decision no set holds (a number).
func prefixOf(d *decision.Decision) (netip.Prefix, bool) {
	if d.Kind == decision.Number || !d.Prefix.IsValid() {
		return netip.Prefix{}, false
	}
	p := d.Prefix
	if a := p.Addr(); a.Is4In6() {
		bits := p.Bits() - 96
		if bits < 0 {
			return netip.Prefix{}, false
		}
		p = netip.PrefixFrom(a.Unmap(), bits)
	}
	return netip.PrefixFrom(p.Addr().WithZone(""), p.Bits()).Masked(), true
}

// cover returns the prefixes of want that no other prefix of want
// contains, sorted. CIDR prefixes either nest or are disjoint, so these
// are disjoint and cover every address of want: the intervals to install.
func cover(want map[netip.Prefix]time.Time) []netip.Prefix {
	ps := make([]netip.Prefix, 0, len(want))
	for p := range want {
		ps = append(ps, p)
	}
	slices.SortFunc(ps, comparePrefix)
	out := ps[:0]
	for _, p := range ps {
		// Sorted by address, then widest first: whatever contains p
		// came before it, and what came in between is inside that too.
		if n := len(out); n > 0 && out[n-1].Bits() <= p.Bits() && out[n-1].Contains(p.Addr()) {
			continue
		}
		out = append(out, p)
	}
	return out
}

func comparePrefix(a, b netip.Prefix) int {
	return cmp.Or(a.Addr().Compare(b.Addr()), cmp.Compare(a.Bits(), b.Bits()))
}

// elem is a set element as read from the kernel.
type elem struct {
	key     netip.Addr    // invalid for a key of another length
	raw     []byte        // the key, kept only when it is not an address
	end     bool          // an interval-end element
	expires time.Duration // time left; 0 for none
}

// bytes is the element's key as sent to the kernel.
func (e *elem) bytes() []byte {
	if e.key.IsValid() {
		return e.key.AsSlice()
	}
	return e.raw
}

// held is an interval a set holds, with its time left.
type held struct {
	span
	left time.Duration
}

// pairSpans reads an interval set's elements the way the kernel matches
// them: an element opens an interval that the next interval-end element
// above it closes. It returns the intervals, sorted, with their time
// left, and the elements that form none (an end with no element before
// it, an element followed by another, keys of another length): strays to
// delete. It reorders es.
func pairSpans(es []elem) ([]held, []elem) {
	var strays []elem
	valid := es[:0]
	for _, e := range es {
		if e.key.IsValid() {
			valid = append(valid, e)
		} else {
			strays = append(strays, e)
		}
	}
	// Ascending; an end closes the interval below before an element of
	// the same key opens the next (adjacent intervals).
	slices.SortFunc(valid, func(a, b elem) int {
		if c := a.key.Compare(b.key); c != 0 {
			return c
		}
		switch {
		case a.end == b.end:
			return 0
		case a.end:
			return -1
		}
		return 1
	})
	spans := make([]held, 0, len(valid)/2+1)
	open := -1
	for i := range valid {
		e := &valid[i]
		if !e.end {
			if open >= 0 {
				strays = append(strays, valid[open])
			}
			open = i
			continue
		}
		if open < 0 {
			strays = append(strays, *e)
			continue
		}
		spans = append(spans, held{span{lo: valid[open].key, hi: e.key}, valid[open].expires})
		open = -1
	}
	if open >= 0 {
		spans = append(spans, held{span{lo: valid[open].key}, valid[open].expires})
	}
	return spans, strays
}
