// Package decision keeps the one set of what to block: IP addresses,
// networks and called numbers, each with where the evidence came from, how
// many reported it, since when and until when. Every blocker (nftables,
// CrowdSec bouncers, BGP, the SIP agent) follows this set, so that a block
// or an unblock reaches all of them at once.
//
// The engine is fed evidence (local sightings from the event bus, peers'
// reports that the index enforces, the operator's manual blocks), keeps
// the set within --block-max, expires it, persists it, and tells
// subscribers what changed. Addresses that must never be blocked (the
// operator's --allow networks, the node's own addresses and its peers',
// loopback and bogons) never become decisions, whatever a forged UDP
// source claims.
package decision

import (
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"time"
)

// Kind is what a decision blocks.
type Kind uint8

const (
	IP Kind = iota + 1
	Net
	Number
)

func (k Kind) String() string {
	switch k {
	case IP:
		return "ip"
	case Net:
		return "range"
	case Number:
		return "number"
	}
	return "unknown"
}

// Origin is where a decision's evidence came from.
type Origin uint8

const (
	// Local: this node saw it.
	Local Origin = iota + 1
	// Peers: a quorum of peers reported it.
	Peers
	// Trusted: a trusted peer reported it.
	Trusted
	// Manual: the operator blocked it.
	Manual
)

func (o Origin) String() string {
	switch o {
	case Local:
		return "local"
	case Peers:
		return "peers"
	case Trusted:
		return "trusted"
	case Manual:
		return "manual"
	}
	return "unknown"
}

// ParseOrigin is the inverse of [Origin.String].
func ParseOrigin(s string) (Origin, bool) {
	for o := Local; o <= Manual; o++ {
		if o.String() == s {
			return o, true
		}
	}
	return 0, false
}

// strength orders origins by the weight of their evidence, for the cap.
func (o Origin) strength() int {
	switch o {
	case Manual:
		return 4
	case Trusted:
		return 3
	case Local:
		return 2
	}
	return 1
}

// Decision is one value to block.
type Decision struct {
	// Value is canonical: an address as netip prints it, a network in
	// CIDR form (masked), a normalised called number.
	Value string
	Kind  Kind
	// Prefix is the address as a /32 or /128, or the network; invalid for
	// a number.
	Prefix    netip.Prefix
	Origin    Origin
	Reporters int
	Since     time.Time
	Until     time.Time
	Reason    string
}

// Left is the time the decision has to run at now.
func (d *Decision) Left(now time.Time) time.Duration { return d.Until.Sub(now) }

// ErrBadValue: a value that is neither an address, a network nor a number.
var ErrBadValue = errors.New("decision: not an IP address, a network in CIDR form or a called number")

// ParseValue reads what an operator typed: an IP address, a network in
// CIDR form, or a called number (digits, with *, # and a leading +). It
// returns the canonical value, its kind and prefix.
func ParseValue(s string) (string, Kind, netip.Prefix, error) {
	s = strings.TrimSpace(s)
	if a, err := netip.ParseAddr(s); err == nil {
		a = a.Unmap().WithZone("")
		p := netip.PrefixFrom(a, a.BitLen())
		return a.String(), IP, p, nil
	}
	if p, err := netip.ParsePrefix(s); err == nil {
		p = netip.PrefixFrom(p.Addr().Unmap(), p.Bits()-unmapBits(p.Addr())).Masked()
		if p.IsSingleIP() {
			return p.Addr().String(), IP, p, nil
		}
		return p.String(), Net, p, nil
	}
	if isNumber(s) {
		return s, Number, netip.Prefix{}, nil
	}
	return "", 0, netip.Prefix{}, fmt.Errorf("%w: %q", ErrBadValue, s)
}

// unmapBits is what an IPv4-mapped network loses when written as IPv4.
func unmapBits(a netip.Addr) int {
	if a.Is4In6() {
		return 96
	}
	return 0
}

// isNumber accepts what sip.NormaliseNumber produces for a dialled number.
func isNumber(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= '0' && c <= '9', c == '*', c == '#':
		case c == '+' && i == 0 && len(s) > 1:
		default:
			return false
		}
	}
	return true
}

// Op is what happened to a decision.
type Op uint8

const (
	// Added: new, or its Until moved (an extension or a shortening).
	Added Op = iota + 1
	// Removed: expired, unblocked, or pushed out by the cap.
	Removed
)

// Change is one change of the set, as subscribers see it.
type Change struct {
	Op       Op
	Decision Decision
}
