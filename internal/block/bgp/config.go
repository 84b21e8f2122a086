package bgp

import (
	"errors"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"time"
)

// Name is the blocker's name in logs and metrics.
const Name = "bgp"

// Defaults of [Config].
const (
	// DefaultPort is the BGP port, of neighbours and of Listen.
	DefaultPort = 179
	// DefaultMaxPrefixes caps the routes announced.
	DefaultMaxPrefixes = 10000
	// DefaultConnectRetry is the wait between two dials of a neighbour
	// that is not up.
	DefaultConnectRetry = 10 * time.Second
)

// Well-known communities.
const (
	// Blackhole is BLACKHOLE, 65535:666 (RFC 7999).
	Blackhole Community = 0xFFFF029A
	// NoExport is NO_EXPORT, 65535:65281 (RFC 1997).
	NoExport Community = 0xFFFFFF01
)

// Default next hops, the addresses a receiver maps to a discard route.
var (
	// DefaultNextHopV4 is 192.0.2.1 (TEST-NET-1, RFC 5737).
	DefaultNextHopV4 = netip.MustParseAddr("192.0.2.1")
	// DefaultNextHopV6 is 100::1 (the discard prefix, RFC 6666).
	DefaultNextHopV6 = netip.MustParseAddr("100::1")
)

// Community is a standard BGP community, ASN<<16 | value.
type Community uint32

func (c Community) String() string { return fmt.Sprintf("%d:%d", c>>16, c&0xFFFF) }

// LargeCommunity is a large BGP community (RFC 8092).
type LargeCommunity struct {
	ASN, Data1, Data2 uint32
}

func (c LargeCommunity) String() string { return fmt.Sprintf("%d:%d:%d", c.ASN, c.Data1, c.Data2) }

// Neighbor is a BGP peer that receives the blackhole routes. The session
// is external (eBGP) when ASN differs from [Config.ASN], internal
// otherwise.
type Neighbor struct {
	// Addr is the neighbour's address.
	Addr netip.Addr `json:"addr"`
	// Port is the neighbour's port. Default DefaultPort (179).
	Port uint16 `json:"port"`
	// ASN is the neighbour's AS number.
	ASN uint32 `json:"asn"`
	// Password is the TCP MD5 signature key (RFC 2385), on systems that
	// support it (Linux). Empty: none.
	Password string `json:"-"`
	// Multihop is the TTL of an eBGP session to a neighbour that is not
	// directly connected; 0 (the default) is a directly connected one
	// (TTL 1).
	Multihop uint8 `json:"multihop,omitempty"`
	// Local is the address to dial from. Default: the Listen address if
	// it is specific and of the same family, else the system's choice.
	Local netip.Addr `json:"local,omitzero"`
}

// Config configures [New].
type Config struct {
	// ASN is this speaker's AS number. Required.
	ASN uint32
	// RouterID is this speaker's BGP identifier, an IPv4 address.
	// Default: the Listen address or the first neighbour's Local address,
	// whichever is a specific IPv4 address; else New fails.
	RouterID netip.Addr
	// Listen is where to accept connections from neighbours. The zero
	// AddrPort (the default) listens nowhere: the speaker only dials. A
	// port 0 is DefaultPort (179).
	Listen netip.AddrPort
	// Neighbors receive every route. At least one.
	Neighbors []Neighbor
	// Communities are attached to every route. Default (nil) Blackhole
	// and NoExport; a non-nil empty slice attaches none.
	Communities []Community
	// ExtraCommunities and LargeCommunities are attached as well
	// (a provider's own blackhole community, say).
	ExtraCommunities []Community
	LargeCommunities []LargeCommunity
	// NextHopV4 and NextHopV6 are the next hops of IPv4 and IPv6 routes.
	// Default DefaultNextHopV4 (192.0.2.1) and DefaultNextHopV6 (100::1).
	NextHopV4, NextHopV6 netip.Addr
	// MaxPrefixes caps the routes announced; past it the strongest
	// evidence wins (see [Select]). Default DefaultMaxPrefixes (10,000).
	MaxPrefixes int
	// ConnectRetry is the wait between two dials of a neighbour that is
	// not up, in whole seconds, at least 2 s. Default DefaultConnectRetry
	// (10 s).
	ConnectRetry time.Duration
}

// Errors of [New] and [ParseNeighbor].
var (
	ErrNoASN       = errors.New("bgp: no local AS number")
	ErrNoNeighbors = errors.New("bgp: no neighbours")
	ErrRouterID    = errors.New("bgp: no router ID (an IPv4 address) given and none to derive")
	ErrNotRunning  = errors.New("bgp: speaker not running")
)

// withDefaults validates c and fills in its defaults.
func (c Config) withDefaults() (Config, error) {
	if c.ASN == 0 {
		return c, ErrNoASN
	}
	if len(c.Neighbors) == 0 {
		return c, ErrNoNeighbors
	}
	if c.Listen.IsValid() && c.Listen.Port() == 0 {
		c.Listen = netip.AddrPortFrom(c.Listen.Addr(), DefaultPort)
	}
	c.Neighbors = append([]Neighbor(nil), c.Neighbors...)
	for i := range c.Neighbors {
		n := &c.Neighbors[i]
		if !n.Addr.IsValid() {
			return c, fmt.Errorf("bgp: neighbour %d: no address", i)
		}
		n.Addr = n.Addr.Unmap()
		if n.ASN == 0 {
			return c, fmt.Errorf("bgp: neighbour %s: no AS number", n.Addr)
		}
		if n.Port == 0 {
			n.Port = DefaultPort
		}
		if !n.Local.IsValid() && c.Listen.IsValid() {
			if a := c.Listen.Addr().Unmap(); !a.IsUnspecified() && a.Is4() == n.Addr.Is4() {
				n.Local = a
			}
		}
	}
	if !c.RouterID.IsValid() {
		if a := c.Listen.Addr().Unmap(); c.Listen.IsValid() && a.Is4() && !a.IsUnspecified() {
			c.RouterID = a
		} else if a := c.Neighbors[0].Local.Unmap(); a.Is4() && !a.IsUnspecified() {
			c.RouterID = a
		}
	}
	c.RouterID = c.RouterID.Unmap()
	if !c.RouterID.Is4() || c.RouterID.IsUnspecified() {
		return c, ErrRouterID
	}
	if c.Communities == nil {
		c.Communities = []Community{Blackhole, NoExport}
	}
	if !c.NextHopV4.IsValid() {
		c.NextHopV4 = DefaultNextHopV4
	}
	if !c.NextHopV6.IsValid() {
		c.NextHopV6 = DefaultNextHopV6
	}
	if !c.NextHopV4.Unmap().Is4() {
		return c, fmt.Errorf("bgp: IPv4 next hop %s is not an IPv4 address", c.NextHopV4)
	}
	c.NextHopV4 = c.NextHopV4.Unmap()
	if !c.NextHopV6.Is6() || c.NextHopV6.Is4In6() {
		return c, fmt.Errorf("bgp: IPv6 next hop %s is not an IPv6 address", c.NextHopV6)
	}
	if c.MaxPrefixes <= 0 {
		c.MaxPrefixes = DefaultMaxPrefixes
	}
	if c.ConnectRetry <= 0 {
		c.ConnectRetry = DefaultConnectRetry
	}
	c.ConnectRetry = max(c.ConnectRetry.Round(time.Second), 2*time.Second)
	return c, nil
}

// ParseCommunity reads a standard community, "ASN:VALUE" with both
// halves 0-65535, or one of the names "blackhole" and "no-export".
func ParseCommunity(s string) (Community, error) {
	switch strings.ToLower(s) {
	case "blackhole":
		return Blackhole, nil
	case "no-export", "no_export":
		return NoExport, nil
	}
	a, b, ok := strings.Cut(s, ":")
	if !ok {
		return 0, fmt.Errorf("bgp: community %q: want ASN:VALUE", s)
	}
	hi, err1 := strconv.ParseUint(a, 10, 16)
	lo, err2 := strconv.ParseUint(b, 10, 16)
	if err := errors.Join(err1, err2); err != nil {
		return 0, fmt.Errorf("bgp: community %q: want two numbers 0-65535: %w", s, err)
	}
	return Community(hi<<16 | lo), nil
}

// ParseLargeCommunity reads a large community, "ASN:DATA1:DATA2", each
// 0-4294967295.
func ParseLargeCommunity(s string) (LargeCommunity, error) {
	parts := strings.Split(s, ":")
	if len(parts) != 3 {
		return LargeCommunity{}, fmt.Errorf("bgp: large community %q: want ASN:DATA1:DATA2", s)
	}
	var v [3]uint32
	for i, p := range parts {
		n, err := strconv.ParseUint(p, 10, 32)
		if err != nil {
			return LargeCommunity{}, fmt.Errorf("bgp: large community %q: %w", s, err)
		}
		v[i] = uint32(n)
	}
	return LargeCommunity{ASN: v[0], Data1: v[1], Data2: v[2]}, nil
}

// ParseNeighbor reads a neighbour as the --bgp-neighbor flag gives it:
//
//	ADDR[:PORT],ASN[,password=SECRET][,multihop=N][,local=ADDR]
//
// with an IPv6 address in brackets when a port follows ([2001:db8::1]:179).
// A password cannot hold a comma.
func ParseNeighbor(s string) (Neighbor, error) {
	fields := strings.Split(s, ",")
	if len(fields) < 2 {
		return Neighbor{}, fmt.Errorf("bgp: neighbour %q: want ADDR[:PORT],ASN[,password=SECRET][,multihop=N]", s)
	}
	var n Neighbor
	if ap, err := netip.ParseAddrPort(fields[0]); err == nil {
		if ap.Port() == 0 {
			return Neighbor{}, fmt.Errorf("bgp: neighbour %q: port 0", s)
		}
		n.Addr, n.Port = ap.Addr(), ap.Port()
	} else {
		a, err := netip.ParseAddr(strings.TrimSuffix(strings.TrimPrefix(fields[0], "["), "]"))
		if err != nil || a.Zone() != "" {
			return Neighbor{}, fmt.Errorf("bgp: neighbour %q: bad address %q", s, fields[0])
		}
		n.Addr = a
	}
	n.Addr = n.Addr.Unmap()
	asn, err := strconv.ParseUint(fields[1], 10, 32)
	if err != nil || asn == 0 {
		return Neighbor{}, fmt.Errorf("bgp: neighbour %q: bad AS number %q", s, fields[1])
	}
	n.ASN = uint32(asn)
	for _, f := range fields[2:] {
		k, v, ok := strings.Cut(f, "=")
		switch {
		case !ok:
			return Neighbor{}, fmt.Errorf("bgp: neighbour %q: option %q: want KEY=VALUE", s, f)
		case k == "password" && v != "":
			n.Password = v
		case k == "multihop":
			m, err := strconv.ParseUint(v, 10, 8)
			if err != nil || m == 0 {
				return Neighbor{}, fmt.Errorf("bgp: neighbour %q: multihop %q: want 1-255", s, v)
			}
			n.Multihop = uint8(m)
		case k == "local":
			a, err := netip.ParseAddr(v)
			if err != nil {
				return Neighbor{}, fmt.Errorf("bgp: neighbour %q: local %q: %w", s, v, err)
			}
			n.Local = a.Unmap()
		default:
			return Neighbor{}, fmt.Errorf("bgp: neighbour %q: unknown option %q", s, k)
		}
	}
	return n, nil
}
