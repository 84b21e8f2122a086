//go:build linux

package nft

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net"
	"net/netip"
	"os/exec"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/sentrypeer/sentrypeer/internal/block"
	"github.com/sentrypeer/sentrypeer/internal/decision"
)

// dec is a decision on value lasting left from now.
func dec(tb testing.TB, value string, left time.Duration) decision.Decision {
	tb.Helper()
	v, kind, p, err := decision.ParseValue(value)
	if err != nil {
		tb.Fatal(err)
	}
	now := time.Now()
	return decision.Decision{Value: v, Kind: kind, Prefix: p, Origin: decision.Manual, Reporters: 1, Since: now, Until: now.Add(left)}
}

func change(op decision.Op, d decision.Decision) decision.Change {
	return decision.Change{Op: op, Decision: d}
}

func newBlocker(tb testing.TB, ns *netns, cfg Config) *Blocker {
	tb.Helper()
	cfg.NetNS = ns.fd
	b, err := New(cfg)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// elems is what a set must hold: elements as nft lists them, with the
// Until of their decision.
type elems map[string]time.Time

// check compares table inet <table> with what it must be: the sets'
// elements with their time left (within 2 s), and, if owned, the chain and
// its two rules.
func check(tb testing.TB, ns *netns, table string, owned bool, want map[string]elems) listing {
	tb.Helper()
	l := ns.list(table)
	if !l.exists {
		tb.Fatalf("table inet %s does not exist", table)
	}
	if slices.Contains(l.flags, "dormant") {
		tb.Errorf("table flags %v", l.flags)
	}
	for set, w := range want {
		got, ok := l.sets[set]
		if !ok {
			tb.Errorf("no set %s", set)
			continue
		}
		if f := l.setFlags[set]; !slices.Equal(f, []string{"interval", "timeout"}) {
			tb.Errorf("set %s flags %v, want interval,timeout", set, f)
		}
		if !slices.Equal(slices.Sorted(maps.Keys(got)), slices.Sorted(maps.Keys(w))) {
			tb.Errorf("set %s holds %v, want %v", set, slices.Sorted(maps.Keys(got)), slices.Sorted(maps.Keys(w)))
			continue
		}
		for e, until := range w {
			left := int((time.Until(until) + time.Second - 1) / time.Second)
			if d := got[e] - left; d < -2 || d > 2 {
				tb.Errorf("set %s element %s expires in %d s, want %d s", set, e, got[e], left)
			}
		}
	}
	if !owned {
		return l
	}
	if c, want := l.chains[Chain], (nftChain{Type: "filter", Hook: "input", Prio: -10, Policy: "accept"}); c != want {
		tb.Errorf("chain %s is %+v, want %+v", Chain, c, want)
	}
	rules := l.rules[Chain]
	if len(rules) != 2 || !(ruleRE[SetIPv4].MatchString(rules[0]) && ruleRE[SetIPv6].MatchString(rules[1]) ||
		ruleRE[SetIPv6].MatchString(rules[0]) && ruleRE[SetIPv4].MatchString(rules[1])) {
		tb.Errorf("chain %s rules:\n%s\nwant the two drop rules", Chain, strings.Join(rules, "\n"))
	}
	return l
}

// TestSyncConverges syncs once, then breaks the table the ways an
// operator can and checks that the next Sync puts it back.
func TestSyncConverges(t *testing.T) {
	ns := newNetns(t)
	b := newBlocker(t, ns, Config{})
	ds := []decision.Decision{
		dec(t, "198.51.100.7", time.Hour),
		dec(t, "203.0.113.0/24", 2*time.Hour),
		dec(t, "203.0.113.9", 5*time.Hour), // inside the /24: left out
		dec(t, "2001:db8::1", 30*time.Minute),
		dec(t, "2001:db8:1::/48", 3*time.Hour),
		dec(t, "::ffff:192.0.2.200", time.Minute), // an IPv4-mapped address is IPv4
		dec(t, "+441234567890", time.Hour),        // a number: not for nftables
	}
	want := map[string]elems{
		SetIPv4: {"198.51.100.7": ds[0].Until, "203.0.113.0/24": ds[1].Until, "192.0.2.200": ds[5].Until},
		SetIPv6: {"2001:db8::1": ds[3].Until, "2001:db8:1::/48": ds[4].Until},
	}
	ctx := t.Context()
	if err := b.Sync(ctx, ds); err != nil {
		t.Fatal(err)
	}
	check(t, ns, DefaultTable, true, want)
	if v4, v6 := b.Elements(); v4 != 3 || v6 != 2 || b.Held() != 5 {
		t.Errorf("Elements() = %d, %d; Held() = %d", v4, v6, b.Held())
	}

	tests := []struct {
		name   string
		break_ func()
		sent   int // elements sent by the Sync; -1: any
	}{
		{"nothing changed", func() {}, 0},
		{"another table changed", func() { ns.nft("add", "table", "inet", "other") }, 0},
		{"table deleted", func() { ns.nft("delete", "table", "inet", DefaultTable) }, -1},
		{"ruleset flushed", func() { ns.nft("flush", "ruleset") }, -1},
		{"an element deleted, foreign ones added", func() {
			ns.nft("delete", "element", "inet", DefaultTable, SetIPv4, "{ 198.51.100.7 }")
			ns.nft("add", "element", "inet", DefaultTable, SetIPv4, "{ 192.0.2.99 timeout 1h, 192.0.2.128-192.0.2.130 }")
			ns.nft("add", "element", "inet", DefaultTable, SetIPv6, "{ 2001:db8:ffff::/64 }")
		}, -1},
		{"a timeout changed by hand", func() {
			ns.nft("delete", "element", "inet", DefaultTable, SetIPv4, "{ 198.51.100.7 }")
			ns.nft("add", "element", "inet", DefaultTable, SetIPv4, "{ 198.51.100.7 timeout 10s }")
		}, 6}, // add+delete+add of an element and its end
		{"a set flushed", func() { ns.nft("flush", "set", "inet", DefaultTable, SetIPv6) }, -1},
		{"rules flushed", func() { ns.nft("flush", "chain", "inet", DefaultTable, Chain) }, 0},
		{"a rule added", func() { ns.nft("add", "rule", "inet", DefaultTable, Chain, "tcp", "dport", "22", "accept") }, 0},
		{"the policy changed", func() {
			ns.nft("add", "chain", "inet", DefaultTable, Chain, "{ type filter hook input priority -10; policy drop; }")
		}, -1},
		{"a set remade without timeouts", func() {
			ns.nft("flush", "chain", "inet", DefaultTable, Chain)
			ns.nft("delete", "set", "inet", DefaultTable, SetIPv4)
			ns.nft("add", "set", "inet", DefaultTable, SetIPv4, "{ type ipv4_addr; flags interval; }")
		}, -1},
		{"the table made dormant", func() { ns.nft("add", "table", "inet", DefaultTable, "{ flags dormant; }") }, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.break_()
			if err := b.Sync(ctx, ds); err != nil {
				t.Fatal(err)
			}
			check(t, ns, DefaultTable, true, want)
			if tc.sent >= 0 && b.sent != tc.sent {
				t.Errorf("the Sync sent %d elements, want %d", b.sent, tc.sent)
			}
			// Only a commit by someone else makes Sync read the kernel.
			if wantRead := tc.name != "nothing changed"; b.read != wantRead {
				t.Errorf("the Sync read the kernel: %v, want %v", b.read, wantRead)
			}
		})
	}
}

// TestSyncFromAccount checks the Syncs that trust the blocker's own
// account of the sets (no one else committed since its last batch).
func TestSyncFromAccount(t *testing.T) {
	ns := newNetns(t)
	var skew time.Duration
	b := newBlocker(t, ns, Config{Now: func() time.Time { return time.Now().Add(skew) }})
	ctx := t.Context()
	short := dec(t, "198.51.100.1", 1500*time.Millisecond)
	keep := dec(t, "198.51.100.2", time.Hour)
	if err := b.Sync(ctx, []decision.Decision{short, keep}); err != nil {
		t.Fatal(err)
	}
	if !b.read {
		t.Error("the first Sync did not read the kernel")
	}
	// An Apply of the blocker's own keeps the account.
	added := dec(t, "198.51.100.3", time.Hour)
	if err := b.Apply(ctx, []decision.Change{change(decision.Added, added)}); err != nil {
		t.Fatal(err)
	}
	// The kernel expires short; its decision was extended meanwhile but
	// the change was lost: Sync must put it back from its account alone.
	time.Sleep(2 * time.Second)
	longer := short
	longer.Until = time.Now().Add(time.Hour)
	ds := []decision.Decision{longer, keep, added}
	if err := b.Sync(ctx, ds); err != nil {
		t.Fatal(err)
	}
	if b.read {
		t.Error("the Sync read the kernel though only the blocker committed")
	}
	check(t, ns, DefaultTable, true, map[string]elems{SetIPv4: {"198.51.100.1": longer.Until, "198.51.100.2": keep.Until, "198.51.100.3": added.Until}})
	if err := b.Sync(ctx, ds); err != nil {
		t.Fatal(err)
	}
	if b.read || b.sent != 0 {
		t.Errorf("an idle Sync read the kernel (%v) or sent %d elements", b.read, b.sent)
	}
	// The account is trusted for rereadEvery at most.
	skew = rereadEvery
	if err := b.Sync(ctx, ds); err != nil {
		t.Fatal(err)
	}
	if !b.read {
		t.Errorf("no Sync read the kernel for %v", rereadEvery)
	}
}

// TestApply applies changes one batch at a time.
func TestApply(t *testing.T) {
	ns := newNetns(t)
	b := newBlocker(t, ns, Config{})
	ctx := t.Context()
	a := dec(t, "198.51.100.7", time.Hour)
	inner := dec(t, "203.0.113.9", time.Hour)
	if err := b.Sync(ctx, []decision.Decision{a, inner}); err != nil {
		t.Fatal(err)
	}
	check(t, ns, DefaultTable, true, map[string]elems{SetIPv4: {"198.51.100.7": a.Until, "203.0.113.9": inner.Until}})

	c := dec(t, "192.0.2.10", 30*time.Minute)
	c2 := c
	c2.Until = c.Until.Add(90 * time.Minute)
	net24 := dec(t, "203.0.113.0/24", 2*time.Hour)
	v6 := dec(t, "2001:db8::/64", time.Hour)
	v6in := dec(t, "2001:db8::5", 4*time.Hour)
	short := dec(t, "192.0.2.20", time.Second)
	tests := []struct {
		name   string
		before func()
		cs     []decision.Change
		want   map[string]elems
	}{
		{"removed", nil, []decision.Change{change(decision.Removed, a)},
			map[string]elems{SetIPv4: {"203.0.113.9": inner.Until}}},
		{"removed again", nil, []decision.Change{change(decision.Removed, a)},
			map[string]elems{SetIPv4: {"203.0.113.9": inner.Until}}},
		{"added", nil, []decision.Change{change(decision.Added, c)},
			map[string]elems{SetIPv4: {"203.0.113.9": inner.Until, "192.0.2.10": c.Until}}},
		{"added again moves the timeout", nil, []decision.Change{change(decision.Added, c2)},
			map[string]elems{SetIPv4: {"203.0.113.9": inner.Until, "192.0.2.10": c2.Until}}},
		{"a network hides what it holds", nil, []decision.Change{change(decision.Added, net24)},
			map[string]elems{SetIPv4: {"203.0.113.0/24": net24.Until, "192.0.2.10": c2.Until}}},
		{"a network gone shows it again", nil, []decision.Change{change(decision.Removed, net24)},
			map[string]elems{SetIPv4: {"203.0.113.9": inner.Until, "192.0.2.10": c2.Until}}},
		{"ipv6, a network and an address in it, in one batch", nil,
			[]decision.Change{change(decision.Added, v6in), change(decision.Added, v6)},
			map[string]elems{SetIPv6: {"2001:db8::/64": v6.Until}}},
		{"numbers are ignored", nil, []decision.Change{change(decision.Added, dec(t, "+441234567890", time.Hour))},
			map[string]elems{SetIPv4: {"203.0.113.9": inner.Until, "192.0.2.10": c2.Until}, SetIPv6: {"2001:db8::/64": v6.Until}}},
		{"removing what the kernel expired", func() {
			if err := b.Apply(ctx, []decision.Change{change(decision.Added, short)}); err != nil {
				t.Fatal(err)
			}
			time.Sleep(1500 * time.Millisecond)
		}, []decision.Change{change(decision.Removed, short)},
			map[string]elems{SetIPv4: {"203.0.113.9": inner.Until, "192.0.2.10": c2.Until}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if tc.before != nil {
				tc.before()
			}
			if err := b.Apply(ctx, tc.cs); err != nil {
				t.Fatal(err)
			}
			check(t, ns, DefaultTable, true, tc.want)
		})
	}

	t.Run("a burst is one batch", func(t *testing.T) {
		var cs []decision.Change
		for i := range 2000 {
			cs = append(cs, change(decision.Added, dec(t, fmt.Sprintf("198.18.%d.%d", i/256, i%256), time.Hour)))
		}
		if err := b.Apply(ctx, cs); err != nil {
			t.Fatal(err)
		}
		if l := ns.list(DefaultTable); len(l.sets[SetIPv4]) != 2002 {
			t.Errorf("set holds %d elements, want 2002", len(l.sets[SetIPv4]))
		}
		if v4, _ := b.Elements(); v4 != 2002 {
			t.Errorf("Elements() = %d, want 2002", v4)
		}
	})

	t.Run("an apply to a deleted table fails and the next sync restores it", func(t *testing.T) {
		ns.nft("delete", "table", "inet", DefaultTable)
		err := b.Apply(ctx, []decision.Change{change(decision.Added, a)})
		if err == nil {
			t.Fatal("Apply to a deleted table succeeded")
		}
		t.Logf("Apply: %v", err)
		if err := b.Sync(ctx, []decision.Decision{a}); err != nil {
			t.Fatal(err)
		}
		check(t, ns, DefaultTable, true, map[string]elems{SetIPv4: {"198.51.100.7": a.Until}, SetIPv6: {}})
	})
}

// TestSetsOnly manages the sets of a table the operator made, and never
// its chains or rules.
func TestSetsOnly(t *testing.T) {
	ns := newNetns(t)
	ctx := t.Context()
	b := newBlocker(t, ns, Config{Table: "ops", SetsOnly: true})
	ds := []decision.Decision{dec(t, "198.51.100.7", time.Hour), dec(t, "2001:db8::/32", time.Hour)}
	want := map[string]elems{SetIPv4: {"198.51.100.7": ds[0].Until}, SetIPv6: {"2001:db8::/32": ds[1].Until}}

	if err := b.Sync(ctx, ds); !errors.Is(err, ErrNoTable) {
		t.Fatalf("Sync without the table: %v, want ErrNoTable", err)
	}
	if err := b.Check(); !errors.Is(err, ErrNoTable) {
		t.Fatalf("Check without the table: %v, want ErrNoTable", err)
	}
	if ns.list("ops").exists {
		t.Fatal("the blocker made the operator's table")
	}

	ns.nftScript(`table inet ops {
	chain filter_in {
		type filter hook input priority 0; policy accept;
		iif "lo" accept
	}
}
`)
	if err := b.Check(); err != nil {
		t.Fatal(err)
	}
	if err := b.Sync(ctx, ds); err != nil {
		t.Fatal(err)
	}
	l := check(t, ns, "ops", false, want)
	if len(l.chains) != 1 || len(l.rules["filter_in"]) != 1 {
		t.Errorf("the operator's chains changed: %v %v", l.chains, l.rules)
	}

	// The operator's rules use the sets; Sync keeps off them.
	ns.nft("add", "rule", "inet", "ops", "filter_in", "ip", "saddr", "@bad_ipv4", "drop")
	ns.nft("flush", "set", "inet", "ops", SetIPv4)
	if err := b.Sync(ctx, ds); err != nil {
		t.Fatal(err)
	}
	l = check(t, ns, "ops", false, want)
	if len(l.chains) != 1 || len(l.rules["filter_in"]) != 2 {
		t.Errorf("the operator's chains changed: %v %v", l.chains, l.rules)
	}
	if _, err := b.Dropped(); !errors.Is(err, ErrNoCounters) {
		t.Errorf("Dropped: %v, want ErrNoCounters", err)
	}

	// Sets the operator made with nft, holding elements of its own.
	ns.nftScript(`table inet filter {
	set bad_ipv4 { type ipv4_addr; flags interval,timeout; elements = { 192.0.2.0/28 timeout 1h, 192.0.2.77 } }
	set bad_ipv6 { type ipv6_addr; flags interval,timeout; }
	chain input {
		type filter hook input priority filter; policy accept;
		ip saddr @bad_ipv4 counter drop
		ip6 saddr @bad_ipv6 counter drop
	}
}
`)
	fb := newBlocker(t, ns, Config{Table: "filter", SetsOnly: true})
	if err := fb.Sync(ctx, ds); err != nil {
		t.Fatal(err)
	}
	l = check(t, ns, "filter", false, want)
	if len(l.rules["input"]) != 2 {
		t.Errorf("the operator's rules changed: %v", l.rules)
	}

	// A set of the wrong kind is the operator's to fix.
	ns.nft("delete", "set", "inet", "ops", SetIPv6)
	ns.nft("add", "set", "inet", "ops", SetIPv6, "{ type ipv6_addr; }")
	err := b.Sync(ctx, ds)
	if err == nil || !strings.Contains(err.Error(), "flags interval,timeout") {
		t.Errorf("Sync with a set without flags: %v", err)
	}
}

// TestTraffic sends UDP over a veth pair from a peer namespace and checks
// that a blocked address's packets are dropped, and counted, and pass
// again once unblocked.
func TestTraffic(t *testing.T) {
	hp := newNetns(t)   // the honeypot, where the blocker works
	peer := newNetns(t) // the attacker
	out, err := runIP("link", "add", "va", "netns", hp.name, "type", "veth", "peer", "name", "vb", "netns", peer.name)
	if err != nil {
		t.Fatalf("ip link add: %v: %s", err, out)
	}
	hp.ip("addr", "add", "10.77.0.1/24", "dev", "va")
	hp.ip("addr", "add", "fd77::1/64", "dev", "va", "nodad")
	hp.ip("link", "set", "va", "up")
	peer.ip("addr", "add", "10.77.0.2/24", "dev", "vb")
	peer.ip("addr", "add", "fd77::2/64", "dev", "vb", "nodad")
	peer.ip("link", "set", "vb", "up")

	b := newBlocker(t, hp, Config{})
	ctx := t.Context()
	if err := b.Sync(ctx, nil); err != nil {
		t.Fatal(err)
	}
	for _, fam := range []struct {
		name, network, listen, to, peerAddr string
		counter                             func(Drops) Counter
	}{
		{"ipv4", "udp4", "10.77.0.1:5060", "10.77.0.1:5060", "10.77.0.2", func(d Drops) Counter { return d.IPv4 }},
		{"ipv6", "udp6", "[fd77::1]:5060", "[fd77::1]:5060", "fd77::2", func(d Drops) Counter { return d.IPv6 }},
	} {
		t.Run(fam.name, func(t *testing.T) {
			var rx, tx net.PacketConn
			if err := hp.do(func() (err error) { rx, err = net.ListenPacket(fam.network, fam.listen); return }); err != nil {
				t.Fatal(err)
			}
			defer rx.Close()
			if err := peer.do(func() (err error) { tx, err = net.ListenPacket(fam.network, ":0"); return }); err != nil {
				t.Fatal(err)
			}
			defer tx.Close()
			to, err := net.ResolveUDPAddr(fam.network, fam.to)
			if err != nil {
				t.Fatal(err)
			}
			// received sends a datagram and reports whether it came
			// within wait.
			seq := 0
			received := func(wait time.Duration) bool {
				seq++
				msg := fmt.Sprintf("OPTIONS sip:100@%s %d", fam.to, seq)
				if _, err := tx.WriteTo([]byte(msg), to); err != nil {
					t.Fatal(err)
				}
				buf := make([]byte, 256)
				deadline := time.Now().Add(wait)
				for {
					rx.SetReadDeadline(deadline)
					n, _, err := rx.ReadFrom(buf)
					if err != nil {
						return false
					}
					if string(buf[:n]) == msg {
						return true
					}
				}
			}
			// The link may take a moment to come up.
			ok := false
			for range 30 {
				if ok = received(100 * time.Millisecond); ok {
					break
				}
			}
			if !ok {
				t.Fatal("no datagram came through before blocking")
			}
			before, err := b.Dropped()
			if err != nil {
				t.Fatal(err)
			}

			d := dec(t, fam.peerAddr, time.Hour)
			if err := b.Sync(ctx, []decision.Decision{d}); err != nil {
				t.Fatal(err)
			}
			const sent = 3
			for range sent {
				if received(200 * time.Millisecond) {
					t.Fatal("a datagram from the blocked address came through")
				}
			}
			after, err := b.Dropped()
			if err != nil {
				t.Fatal(err)
			}
			if got := fam.counter(after).Packets - fam.counter(before).Packets; got != sent {
				t.Errorf("the drop counter rose by %d packets, want %d (before %+v, after %+v)", got, sent, before, after)
			}
			if fam.counter(after).Bytes <= fam.counter(before).Bytes {
				t.Errorf("the drop counter's bytes did not rise: before %+v, after %+v", before, after)
			}

			if err := b.Apply(ctx, []decision.Change{change(decision.Removed, d)}); err != nil {
				t.Fatal(err)
			}
			if !received(time.Second) {
				t.Fatal("no datagram came through after unblocking")
			}
		})
	}
}

// runIP runs ip on the host: only to make a veth pair whose two ends go
// straight into the test's namespaces.
func runIP(args ...string) ([]byte, error) {
	return exec.Command("ip", args...).CombinedOutput()
}

// TestSync100k loads 100,000 IPv4 decisions with one Sync into an empty
// table (the floor: under 2 s), then syncs them again twice, as
// the periodic reconcile does: when no one else committed (nothing to
// read, nothing to change), and after someone did (a full read of the
// set, nothing to change).
func TestSync100k(t *testing.T) {
	if testing.Short() {
		t.Skip("-short")
	}
	ns := newNetns(t)
	b := newBlocker(t, ns, Config{})
	ds := decisions100k(t)
	measure := func() (time.Duration, float64) {
		var m0, m1 runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&m0)
		start := time.Now()
		if err := b.Sync(t.Context(), ds); err != nil {
			t.Fatal(err)
		}
		took := time.Since(start)
		runtime.ReadMemStats(&m1)
		return took, float64(m1.TotalAlloc-m0.TotalAlloc) / (1 << 20)
	}
	load, loadMiB := measure()
	if v4, _ := b.Elements(); v4 != len(ds) {
		t.Errorf("Elements() = %d, want %d", v4, len(ds))
	}
	again, againMiB := measure()
	if b.sent != 0 || b.read {
		t.Errorf("the second Sync sent %d elements and read the kernel: %v; want 0 and false", b.sent, b.read)
	}
	b.known = false // as after a commit by someone else
	reread, rereadMiB := measure()
	if b.sent != 0 || !b.read {
		t.Errorf("the third Sync sent %d elements and read the kernel: %v; want 0 and true", b.sent, b.read)
	}
	es, err := dumpElements(context.Background(), ns.fd, DefaultTable, SetIPv4, 4, 2*len(ds))
	if err != nil {
		t.Fatal(err)
	}
	if len(es) != 2*len(ds) {
		t.Errorf("the set holds %d elements, want %d (an element and an end per decision)", len(es), 2*len(ds))
	}
	t.Logf("100,000 IPv4 decisions: load %v (%.0f MiB allocated); sync again, nothing changed: %v (%.0f MiB); "+
		"sync again, reading the kernel: %v (%.0f MiB); race detector: %v",
		load.Round(time.Millisecond), loadMiB, again.Round(time.Millisecond), againMiB,
		reread.Round(time.Millisecond), rereadMiB, raceEnabled)
	if !raceEnabled && load > 2*time.Second {
		t.Errorf("loading 100,000 decisions took %v, want under 2 s", load)
	}
}

// decisions100k are 100,000 IPv4 addresses from 100.64.0.0, every other
// one (no two adjacent), each with its own Until.
func decisions100k(tb testing.TB) []decision.Decision {
	ds := make([]decision.Decision, 0, 100_000)
	until := time.Now().Add(time.Hour)
	base := netip.MustParseAddr("100.64.0.0").As4()
	for i := range 100_000 {
		n := uint32(base[0])<<24 | uint32(base[1])<<16 | uint32(2*i)
		a := netip.AddrFrom4([4]byte{byte(n >> 24), byte(n >> 16), byte(n >> 8), byte(n)})
		ds = append(ds, decision.Decision{Value: a.String(), Kind: decision.IP, Prefix: netip.PrefixFrom(a, 32),
			Origin: decision.Local, Reporters: 1, Until: until.Add(time.Duration(i) * time.Millisecond)})
	}
	return ds
}

// BenchmarkSync100k measures one Sync of 100,000 IPv4 decisions: into an
// empty table (load; the table is deleted between iterations, untimed),
// and into a table that already holds them, when no one else committed
// (reconcile) and after someone did (reconcile-read: the sets are read
// back from the kernel).
func BenchmarkSync100k(b *testing.B) {
	ns := newNetns(b)
	ds := decisions100k(b)
	b.Run("load", func(b *testing.B) {
		bl := newBlocker(b, ns, Config{})
		b.ReportAllocs()
		for b.Loop() {
			b.StopTimer()
			ns.nftErr("delete", "table", "inet", DefaultTable)
			b.StartTimer()
			if err := bl.Sync(b.Context(), ds); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("reconcile", func(b *testing.B) {
		bl := newBlocker(b, ns, Config{})
		if err := bl.Sync(b.Context(), ds); err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		for b.Loop() {
			if err := bl.Sync(b.Context(), ds); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("reconcile-read", func(b *testing.B) {
		bl := newBlocker(b, ns, Config{})
		if err := bl.Sync(b.Context(), ds); err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		for b.Loop() {
			bl.known = false // as after a commit by someone else
			if err := bl.Sync(b.Context(), ds); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// TestRunner drives the blocker with block.Runner from a real engine and
// measures how long a block and an unblock take to reach the kernel.
func TestRunner(t *testing.T) {
	ns := newNetns(t)
	eng := decision.New(decision.Config{})
	pre, err := eng.Block("198.51.100.1", time.Hour, "")
	if err != nil {
		t.Fatal(err)
	}
	b := newBlocker(t, ns, Config{})
	r := block.New(eng, b, block.Config{Reconcile: time.Second})
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- r.Run(ctx) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	}()

	// has polls the kernel until the set holds addr (or not).
	has := func(addr string, want bool) time.Duration {
		t.Helper()
		start := time.Now()
		a := netip.MustParseAddr(addr)
		for time.Since(start) < 5*time.Second {
			es, err := dumpElements(ctx, ns.fd, DefaultTable, SetIPv4, 4, 0)
			if err == nil {
				found := slices.ContainsFunc(es, func(e elem) bool { return !e.end && e.key == a })
				if found == want {
					return time.Since(start)
				}
			}
			time.Sleep(200 * time.Microsecond)
		}
		t.Fatalf("the set holding %s is not %v after 5 s", addr, want)
		return 0
	}
	has(pre.Value, true)
	var blocks, unblocks []time.Duration
	for i := range 20 {
		v := fmt.Sprintf("198.51.100.%d", 10+i)
		start := time.Now()
		if _, err := eng.Block(v, time.Hour, ""); err != nil {
			t.Fatal(err)
		}
		has(v, true)
		blocks = append(blocks, time.Since(start))
		start = time.Now()
		if _, err := eng.Unblock(v); err != nil {
			t.Fatal(err)
		}
		has(v, false)
		unblocks = append(unblocks, time.Since(start))
	}
	slices.Sort(blocks)
	slices.Sort(unblocks)
	t.Logf("decision to element: median %v, max %v; unblock to no element: median %v, max %v",
		blocks[len(blocks)/2].Round(time.Microsecond), blocks[len(blocks)-1].Round(time.Microsecond),
		unblocks[len(unblocks)/2].Round(time.Microsecond), unblocks[len(unblocks)-1].Round(time.Microsecond))

	// The operator deletes the table: the next reconcile puts it back.
	ns.nft("delete", "table", "inet", DefaultTable)
	start := time.Now()
	has(pre.Value, true)
	t.Logf("table deleted: back after %v (reconcile every 1 s)", time.Since(start).Round(time.Millisecond))
	s := r.Status()
	if s.Errors != 0 || s.Held != 1 || !s.InSync || s.Applies < 40 {
		t.Errorf("status %+v", s)
	}
}

func TestCloseEnough(t *testing.T) {
	const hour, slack = time.Hour, 5 * time.Second
	tests := []struct {
		left time.Duration
		want bool
	}{
		{hour, true},
		{hour - slack, true},
		{hour - slack - time.Second, false}, // the block would end too soon
		{hour + slack + 36*time.Second, true},
		{hour + slack + 37*time.Second, false}, // later than a hundredth
	}
	for _, tt := range tests {
		if got := closeEnough(tt.left, hour, slack); got != tt.want {
			t.Errorf("closeEnough(%v, %v, %v) = %v, want %v", tt.left, hour, slack, got, tt.want)
		}
	}
}
