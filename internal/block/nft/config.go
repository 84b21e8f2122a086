// Package nft is the nftables blocker (--nft): it keeps the decision set's
// addresses and networks in two nftables sets, bad_ipv4 and bad_ipv6, so
// that the kernel drops their packets. It speaks netlink through
// github.com/google/nftables, one batch per [Blocker.Sync] or
// [Blocker.Apply]; it never runs the nft command.
//
// # Table
//
// By default the blocker owns the table inet <Table> ("sentrypeer"):
//
//	table inet sentrypeer {
//		set bad_ipv4 { type ipv4_addr; flags interval,timeout; }
//		set bad_ipv6 { type ipv6_addr; flags interval,timeout; }
//		chain input {
//			type filter hook input priority -10; policy accept;
//			ip saddr @bad_ipv4 counter drop
//			ip6 saddr @bad_ipv6 counter drop
//		}
//	}
//
// Sync recreates whatever of it is missing or different (after nft delete
// table, nft flush ruleset, an edited chain, elements deleted or added by
// hand). With [Config.SetsOnly] the
// operator owns the table and its rules, and the blocker manages only the
// two sets in it (creating them if missing); it never touches a chain or
// a rule.
//
// # Elements
//
// An address is the interval of its /32 or /128, a network its CIDR
// interval: an element for the first address and an interval-end element
// one past the last (none when that is past the family's last address),
// as nft itself writes them. The sets do not auto-merge: the blocker never
// adds overlapping intervals, and a decision inside a network that is
// also blocked is left out of the set until the network's decision goes.
// Each element's timeout is the decision's time left, rounded up to a
// second (at least one), so the kernel expires it even if this process is
// gone; the interval-end element carries none (the kernel refuses one).
// Decisions of kind Number are ignored.
//
// # Concurrency
//
// Sync and Apply are called from one goroutine ([block.Runner]);
// [Blocker.Dropped], [Blocker.Elements] and [Blocker.Held] may be called
// from any goroutine at any time.
package nft

import (
	"errors"
	"time"
)

// Names of what the blocker makes.
const (
	// Name is the blocker's name in logs and metrics.
	Name = "nftables"
	// DefaultTable is the inet table's default name (--nft-table).
	DefaultTable = "sentrypeer"
	// SetIPv4 and SetIPv6 are the sets' names.
	SetIPv4 = "bad_ipv4"
	SetIPv6 = "bad_ipv6"
	// Chain is the owned table's base chain, at hook input and Priority.
	Chain    = "input"
	Priority = -10
)

// Config configures [New].
type Config struct {
	// Table is the name of the inet table (--nft-table). Default
	// DefaultTable ("sentrypeer").
	Table string
	// SetsOnly makes the blocker manage only the sets bad_ipv4 and
	// bad_ipv6 in the existing table inet <Table> that the operator made
	// and whose rules use them (--nft-sets-only). Without it the blocker
	// owns the table, its chain and its rules.
	SetsOnly bool
	// NetNS is an open file descriptor of the network namespace to work
	// in; 0 (the default) is the process's own. Tests use it.
	NetNS int
	// Now is the clock that element timeouts are computed with. Default
	// time.Now.
	Now func() time.Time
}

// Counter is a rule's counter.
type Counter struct {
	Packets, Bytes uint64
}

// Drops are the counters of the owned chain's two rules: the packets
// dropped by the nftables chain.
type Drops struct {
	IPv4, IPv6 Counter
}

// Total adds the two families.
func (d Drops) Total() Counter {
	return Counter{Packets: d.IPv4.Packets + d.IPv6.Packets, Bytes: d.IPv4.Bytes + d.IPv6.Bytes}
}

var (
	// ErrUnsupported: the blocker was asked for on a system other than
	// Linux.
	ErrUnsupported = errors.New("nft: nftables exists only on Linux")
	// ErrNoTable: with SetsOnly, the operator's table does not exist.
	ErrNoTable = errors.New("nft: table not found (with --nft-sets-only the operator makes the table and its rules)")
	// ErrNoCounters: with SetsOnly there are no rules of the blocker's to
	// read counters from; the operator's rules count.
	ErrNoCounters = errors.New("nft: no counters: the operator's rules use the sets (--nft-sets-only)")
)

// maxTimeout caps element timeouts (and the Until of decisions that run
// for years).
const maxTimeout = 3650 * 24 * time.Hour

// timeoutSlack is how far an element's time left may be from the
// decision's before Sync replaces it: elements are rounded up to a second
// and a Sync takes a while, so a few seconds.
const timeoutSlack = 5 * time.Second

// timeout is the element timeout of a decision lasting until until, at
// now: the time left, rounded up to a second, from 1 s to maxTimeout.
func timeout(until, now time.Time) time.Duration {
	d := until.Sub(now)
	if d > maxTimeout {
		return maxTimeout
	}
	if r := d % time.Second; r != 0 {
		d += time.Second - r
	}
	return max(d, time.Second)
}
