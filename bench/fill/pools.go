package main

import (
	"math/rand/v2"
	"net/netip"

	"github.com/sentrypeer/sentrypeer/internal/event"
	"github.com/sentrypeer/sentrypeer/internal/sip"
)

// style is how a scanner family words its requests.
type style uint8

const (
	styleGeneric    style = iota // a softphone or PBX stack, or a script imitating one
	styleSipvicious              // svmap/svwar: From "sipvicious"<sip:100@1.1.1.1>
	styleSipcli                  // sipcli and similar one-liners: bare headers, no Contact display
)

// agent is one User-Agent seen from scanners, with its relative frequency
// among source addresses.
type agent struct {
	ua     string
	style  style
	weight float64
}

// agents lists User-Agent strings seen from SIP scanners in the wild
// (honeypot reports, PEERS.md): the scanners themselves and the phones and
// PBXs they pretend to be.
func agents() []agent {
	return []agent{
		{"friendly-scanner", styleSipvicious, 20},
		{"sipvicious", styleSipvicious, 4},
		{"sipcli/v1.8", styleSipcli, 10},
		{"VaxSIPUserAgent/3.1", styleGeneric, 8},
		{"VaxSIPUserAgent/3.5", styleGeneric, 2},
		{"PortSIP VoIP SDK 11.2", styleGeneric, 5},
		{"PortSIP VoIP SDK 16.2", styleGeneric, 2},
		{"Z 5.4.12 v2.10.13.2", styleGeneric, 4},
		{"Z 3.15.40006 rv2.8.20", styleGeneric, 1},
		{"pplsip", styleSipcli, 6},
		{"SIP Call", styleSipcli, 2},
		{"Cisco-SIPGateway/IOS-12.x", styleGeneric, 3},
		{"sipsak 0.9.8.1", styleSipcli, 1},
		{"sundayddr", styleSipcli, 2},
		{"smap 0.6.0", styleSipcli, 1},
		{"MizuPhone v3.5", styleGeneric, 1},
		{"Asterisk PBX 16.17.0", styleGeneric, 2},
		{"FPBX-15.0.17.34(16.17.0)", styleGeneric, 2},
		{"MicroSIP/3.20.7", styleGeneric, 1},
		{"eyeBeam release 1011d stamp 40820", styleGeneric, 1},
		{"X-Lite release 5.8.3 stamp 102651", styleGeneric, 1},
		{"Linksys/SPA942-6.1.5(a)", styleGeneric, 1},
		{"Grandstream GXP2170 1.0.11.23", styleGeneric, 1},
		{"Yealink SIP-T46S 66.86.0.15", styleGeneric, 1},
		{"PolycomVVX-VVX_410-UA/5.9.5.0614", styleGeneric, 1},
		{"Fritz!Box", styleGeneric, 1},
		{"Cisco-CP7960G/8.0", styleGeneric, 1},
		{"Ooma", styleGeneric, 0.5},
		{"iWar", styleSipcli, 0.5},
		{"SIPScan", styleSipcli, 1},
		{"UsaAirport", styleSipcli, 0.5},
	}
}

// source is one probing address and what stays the same across its probes.
type source struct {
	addr      netip.Addr
	port      uint16 // 0: a new ephemeral port per session
	transport event.Transport
	agent     *agent
}

// isPublicV4 reports whether a looks like a routable unicast IPv4 address:
// not in 0/8, 10/8, 100.64/10, 127/8, 169.254/16, 172.16/12, 192.168/16,
// 224/4 (multicast) or 240/4 (reserved).
func isPublicV4(a [4]byte) bool {
	switch {
	case a[0] == 0, a[0] == 10, a[0] == 127, a[0] >= 224:
		return false
	case a[0] == 100 && a[1]&0xc0 == 64:
		return false
	case a[0] == 169 && a[1] == 254:
		return false
	case a[0] == 172 && a[1]&0xf0 == 16:
		return false
	case a[0] == 192 && a[1] == 168:
		return false
	}
	return true
}

// newSources returns n distinct sources in random order: ~5 % IPv6 from
// 2001:db8::/32, the rest random public-looking IPv4. The order is the
// Zipf rank: sources[0] probes most.
func newSources(r *rand.Rand, n int, ags []agent) []source {
	var total float64
	for _, a := range ags {
		total += a.weight
	}
	seen := make(map[netip.Addr]bool, n)
	out := make([]source, 0, n)
	for len(out) < n {
		var addr netip.Addr
		if r.Float64() < 0.05 {
			var b [16]byte
			b[0], b[1], b[2], b[3] = 0x20, 0x01, 0x0d, 0xb8
			for i := 4; i < 16; i++ {
				b[i] = byte(r.Uint32())
			}
			addr = netip.AddrFrom16(b)
		} else {
			v := r.Uint32()
			b := [4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)}
			if !isPublicV4(b) {
				continue
			}
			addr = netip.AddrFrom4(b)
		}
		if seen[addr] {
			continue
		}
		seen[addr] = true
		s := source{addr: addr, transport: event.UDP, agent: pickAgent(r, ags, total)}
		switch p := r.Float64(); {
		case p < 0.45:
			s.port = 5060
		case p < 0.75:
			s.port = uint16(1024 + r.IntN(64511))
		}
		switch p := r.Float64(); {
		case p < 0.04:
			s.transport = event.TCP
		case p < 0.05:
			s.transport = event.TLS
		}
		out = append(out, s)
	}
	return out
}

func pickAgent(r *rand.Rand, ags []agent, total float64) *agent {
	x := r.Float64() * total
	for i := range ags {
		x -= ags[i].weight
		if x < 0 {
			return &ags[i]
		}
	}
	return &ags[len(ags)-1]
}

// number is a called number as a scanner writes it in a URI, and its
// normalised form (the store's lookup key).
type number struct {
	raw, norm string
}

// dialPrefix is an international dial-out prefix and how often toll-fraud
// probes use it.
type dialPrefix struct {
	prefix string
	weight float64
}

func dialPrefixes() []dialPrefix {
	return []dialPrefix{
		{"00", 40}, {"+", 12}, {"011", 10}, {"9011", 8}, {"900", 8},
		{"000", 4}, {"0000", 2}, {"9000", 3}, {"", 8}, {"8100", 2}, {"1100", 2},
	}
}

// destinations are country codes with a national prefix that toll fraud
// favours (premium, mobile and high-termination-rate ranges), and how many
// more digits follow.
type destination struct {
	cc     string
	digits int
	weight float64
}

func destinations() []destination {
	return []destination{
		{"44207946", 4, 6}, {"4420", 8, 4}, {"447", 9, 4}, {"97259", 7, 10}, {"97059", 7, 8},
		{"972", 8, 4}, {"1809", 7, 2}, {"1876", 7, 2}, {"1", 10, 5}, {"33", 9, 3},
		{"49", 10, 3}, {"48", 9, 3}, {"7", 10, 2}, {"375", 9, 2}, {"371", 8, 3},
		{"252", 8, 4}, {"882", 10, 3}, {"881", 10, 1}, {"225", 10, 2}, {"231", 8, 2},
		{"232", 8, 2}, {"224", 9, 2}, {"263", 9, 2}, {"53", 8, 3}, {"63", 10, 2},
		{"92", 10, 2}, {"234", 10, 2}, {"880", 10, 1}, {"86", 11, 1}, {"351", 9, 1},
		{"39", 10, 2}, {"34", 9, 2}, {"31", 9, 1}, {"32", 9, 1}, {"41", 9, 1},
		{"46", 9, 2}, {"61", 9, 2}, {"20", 10, 1}, {"216", 8, 1}, {"970", 9, 2},
	}
}

// newNumbers returns n numbers with distinct normalised forms, in random
// order (the Zipf rank). About 8 % are short extensions (what svwar walks),
// the rest international numbers behind a dial prefix; ~3 % are written
// with %2B for '+' or with separators, so the raw and normalised forms
// differ as they do in real probes.
func newNumbers(r *rand.Rand, n int) []number {
	prefixes, dests := dialPrefixes(), destinations()
	var ptotal, dtotal float64
	for _, p := range prefixes {
		ptotal += p.weight
	}
	for _, d := range dests {
		dtotal += d.weight
	}
	seen := make(map[string]bool, n)
	out := make([]number, 0, n)
	buf := make([]byte, 0, 32)
	for len(out) < n {
		buf = buf[:0]
		if r.Float64() < 0.08 {
			digits := 3 + r.IntN(3)
			buf = append(buf, byte('1'+r.IntN(9)))
			buf = appendDigits(r, buf, digits-1)
		} else {
			p := pickPrefix(r, prefixes, ptotal)
			d := pickDest(r, dests, dtotal)
			buf = append(buf, p...)
			buf = append(buf, d.cc...)
			buf = appendDigits(r, buf, d.digits)
		}
		raw := string(buf)
		switch v := r.Float64(); {
		case v < 0.015 && raw[0] == '+':
			raw = "%2B" + raw[1:]
		case v < 0.03 && len(raw) > 8:
			raw = raw[:4] + "-" + raw[4:8] + "-" + raw[8:]
		}
		norm := sip.NormaliseNumber(raw)
		if seen[norm] {
			continue
		}
		seen[norm] = true
		out = append(out, number{raw: raw, norm: norm})
	}
	return out
}

func appendDigits(r *rand.Rand, b []byte, n int) []byte {
	for range n {
		b = append(b, byte('0'+r.IntN(10)))
	}
	return b
}

func pickPrefix(r *rand.Rand, ps []dialPrefix, total float64) string {
	x := r.Float64() * total
	for _, p := range ps {
		x -= p.weight
		if x < 0 {
			return p.prefix
		}
	}
	return ps[0].prefix
}

func pickDest(r *rand.Rand, ds []destination, total float64) destination {
	x := r.Float64() * total
	for _, d := range ds {
		x -= d.weight
		if x < 0 {
			return d
		}
	}
	return ds[0]
}
