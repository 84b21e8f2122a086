//go:build linux

package nft

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"maps"
	"net/netip"
	"slices"
	"sync/atomic"
	"time"

	"github.com/google/nftables"
	"github.com/google/nftables/expr"
	"github.com/mdlayher/netlink"
	"golang.org/x/sys/unix"

	"github.com/sentrypeer/sentrypeer/internal/block"
	"github.com/sentrypeer/sentrypeer/internal/decision"
)

// Blocker keeps the decision set in nftables. Make one with [New].
type Blocker struct {
	cfg   Config
	table *nftables.Table
	v4    *family
	v6    *family

	// gen is the ruleset generation after the blocker's last commit (or
	// read), when known: then nothing but the blocker changed nftables
	// since, and the sets hold what have says. lastRead is when Sync last
	// read the kernel's state.
	known    bool
	gen      uint32
	lastRead time.Time

	// sent counts the elements of the last batch, and read tells whether
	// the last Sync read the kernel's state; for tests.
	sent int
	read bool
}

// rereadEvery bounds how long Sync trusts its own account of the sets
// when the ruleset generation says nothing else changed them.
const rereadEvery = time.Minute

var (
	_ block.Blocker = (*Blocker)(nil)
	_ block.Holder  = (*Blocker)(nil)
)

// family is one set and what the blocker knows of it. want and have are
// touched only by Sync and Apply (one goroutine).
type family struct {
	set     string
	keyType nftables.SetDatatype
	nfproto byte
	offset  uint32 // of the source address in the network header
	keyLen  int

	// want is the decisions' prefixes, with their Until.
	want map[netip.Prefix]time.Time
	// nets counts the prefixes of want that are networks; with none, no
	// prefix of want contains another.
	nets int
	// have is what the set holds, by the blocker's own account since the
	// last Sync: the installed prefixes and when the kernel expires them.
	have map[netip.Prefix]time.Time
	held atomic.Int64 // len(have), for readers on other goroutines
}

// New returns a blocker for cfg. It does not touch nftables: the first
// Sync makes the table; [Blocker.Check] tells early whether that can work.
func New(cfg Config) (*Blocker, error) {
	if cfg.Table == "" {
		cfg.Table = DefaultTable
	}
	if len(cfg.Table) > unix.NFT_TABLE_MAXNAMELEN-1 || bytes.IndexByte([]byte(cfg.Table), 0) >= 0 {
		return nil, fmt.Errorf("nft: bad table name %q", cfg.Table)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Blocker{
		cfg:   cfg,
		table: &nftables.Table{Name: cfg.Table, Family: nftables.TableFamilyINet},
		v4: &family{set: SetIPv4, keyType: nftables.TypeIPAddr, nfproto: unix.NFPROTO_IPV4, offset: 12, keyLen: 4,
			want: map[netip.Prefix]time.Time{}, have: map[netip.Prefix]time.Time{}},
		v6: &family{set: SetIPv6, keyType: nftables.TypeIP6Addr, nfproto: unix.NFPROTO_IPV6, offset: 8, keyLen: 16,
			want: map[netip.Prefix]time.Time{}, have: map[netip.Prefix]time.Time{}},
	}, nil
}

// Name is [Name].
func (b *Blocker) Name() string { return Name }

// Elements returns how many intervals the two sets hold, by the blocker's
// account at its last successful Sync or Apply.
func (b *Blocker) Elements() (ipv4, ipv6 int) {
	return int(b.v4.held.Load()), int(b.v6.held.Load())
}

// Held is the intervals of both sets, for [block.Status].
func (b *Blocker) Held() int {
	v4, v6 := b.Elements()
	return v4 + v6
}

// Check tells whether nftables can be used: it lists the tables (which
// needs CAP_NET_ADMIN) and, with SetsOnly, looks for the operator's table.
// It is for the daemon to call at start-up, so that --nft fails with a
// clear message rather than a blocker that retries forever.
func (b *Blocker) Check() error {
	c, _, err := b.conn()
	if err != nil {
		return err
	}
	t, err := b.findTable(c)
	if err != nil {
		return err
	}
	if b.cfg.SetsOnly && t == nil {
		return fmt.Errorf("%w: inet %s", ErrNoTable, b.cfg.Table)
	}
	return nil
}

// Dropped reads the counters of the owned chain's two rules. With
// SetsOnly it returns ErrNoCounters.
func (b *Blocker) Dropped() (Drops, error) {
	if b.cfg.SetsOnly {
		return Drops{}, ErrNoCounters
	}
	c, _, err := b.conn()
	if err != nil {
		return Drops{}, err
	}
	rules, err := c.GetRules(b.table, &nftables.Chain{Name: Chain, Table: b.table})
	if err != nil {
		return Drops{}, fmt.Errorf("nft: reading the rules of inet %s %s: %w", b.cfg.Table, Chain, err)
	}
	var d Drops
	for _, r := range rules {
		var set string
		var n *expr.Counter
		for _, e := range r.Exprs {
			switch e := e.(type) {
			case *expr.Lookup:
				set = e.SetName
			case *expr.Counter:
				n = e
			}
		}
		if n == nil {
			continue
		}
		switch set {
		case SetIPv4:
			d.IPv4 = Counter{Packets: n.Packets, Bytes: n.Bytes}
		case SetIPv6:
			d.IPv6 = Counter{Packets: n.Packets, Bytes: n.Bytes}
		}
	}
	return d, nil
}

// Sync makes the table hold exactly ds, in one batch: it recreates what
// is missing or different of the table, its sets, chain and rules (only
// the sets with SetsOnly), reads the sets' elements, deletes what should
// not be there, adds what is missing and replaces elements whose timeout
// is more than a few seconds off.
//
// Reading 100,000 elements back costs the kernel about half a second, so
// when the ruleset generation shows that no one but the blocker committed
// since its last batch, Sync works from its own account of the sets
// instead (and does nothing at all if the decisions did not change). It
// reads the kernel's state at least every minute regardless.
func (b *Blocker) Sync(ctx context.Context, ds []decision.Decision) error {
	n4 := 0
	for i := range ds {
		if ds[i].Prefix.Addr().Is4() {
			n4++
		}
	}
	want4, want6 := make(map[netip.Prefix]time.Time, n4), make(map[netip.Prefix]time.Time, len(ds)-n4)
	for i := range ds {
		p, ok := prefixOf(&ds[i])
		if !ok {
			continue
		}
		if p.Addr().Is4() {
			want4[p] = ds[i].Until
		} else {
			want6[p] = ds[i].Until
		}
	}
	c, elements, err := b.conn()
	if err != nil {
		return err
	}
	// The generation before anything is read: a commit by anyone else
	// from here on shows as a generation past ours + 1 after the Flush.
	gen, genErr := b.generation()
	now := b.cfg.Now()
	var st *state
	slack := timeoutSlack
	b.read = !b.known || genErr != nil || gen != b.gen || now.Sub(b.lastRead) >= rereadEvery
	if b.read {
		if st, err = b.readState(ctx, c); err != nil {
			b.known = false
			return err
		}
		b.lastRead = now
		// Each element's time left was read at some moment of the read,
		// which takes seconds for 100,000 under load: compare as of its
		// end, allowing for its length.
		read := b.cfg.Now()
		slack += read.Sub(now)
		now = read
	} else {
		if maps.EqualFunc(want4, b.v4.want, time.Time.Equal) && maps.EqualFunc(want6, b.v6.want, time.Time.Equal) {
			// Nothing changed since the last batch, by anyone.
			b.sent = 0
			return nil
		}
		st = b.modelState(now)
	}
	sets, queued, err := b.structure(c, st)
	if err != nil {
		b.known = false
		return err
	}
	var ops batch
	have4 := b.v4.syncElements(&ops, st.elems[0], want4, now, slack)
	have6 := b.v6.syncElements(&ops, st.elems[1], want6, now, slack)
	b.sent = ops.size()
	*elements = b.sent
	if err := ops.queue(c, sets); err != nil {
		b.known = false
		return err
	}
	if err := ctx.Err(); err != nil {
		b.known = false
		return err
	}
	if err := c.Flush(); err != nil {
		b.known = false
		return fmt.Errorf("nft: syncing inet %s: %w", b.cfg.Table, err)
	}
	b.committed(gen, genErr, queued || !ops.empty())
	b.v4.replace(want4, have4)
	b.v6.replace(want6, have6)
	return nil
}

// committed records the generation after a successful batch that started
// at generation before (read with beforeErr) and sent something or not.
// Only a step of one (this batch's own commit) keeps the account known.
func (b *Blocker) committed(before uint32, beforeErr error, sent bool) {
	if beforeErr != nil {
		b.known = false
		return
	}
	if !sent {
		b.known, b.gen = true, before
		return
	}
	after, err := b.generation()
	b.known = err == nil && after == before+1
	b.gen = after
}

// generation reads the ruleset generation, which every commit of anyone's
// moves on by one (the kernel expiring elements does not).
func (b *Blocker) generation() (uint32, error) {
	c, err := netlink.Dial(unix.NETLINK_NETFILTER, &netlink.Config{NetNS: b.cfg.NetNS})
	if err != nil {
		return 0, fmt.Errorf("nft: netlink: %w", err)
	}
	defer c.Close()
	msgs, err := c.Execute(netlink.Message{
		Header: netlink.Header{Type: netlink.HeaderType(unix.NFNL_SUBSYS_NFTABLES<<8 | unix.NFT_MSG_GETGEN), Flags: netlink.Request},
		Data:   []byte{unix.AF_UNSPEC, unix.NFNETLINK_V0, 0, 0},
	})
	if err != nil {
		return 0, fmt.Errorf("nft: reading the ruleset generation: %w", err)
	}
	for _, m := range msgs {
		if len(m.Data) < 4 {
			continue
		}
		for a := (attrs{rest: m.Data[4:]}); a.next(); {
			if a.typ == unix.NFTA_GEN_ID && len(a.val) == 4 {
				return binary.BigEndian.Uint32(a.val), nil
			}
		}
	}
	return 0, errors.New("nft: reading the ruleset generation: no NFTA_GEN_ID")
}

// modelState is the state as the blocker's own account has it: the
// table, sets, chain and rules as they must be, the sets holding have.
func (b *Blocker) modelState(now time.Time) *state {
	st := &state{ok: true}
	for i, f := range []*family{b.v4, b.v6} {
		ps := make([]netip.Prefix, 0, len(f.have))
		for p := range f.have {
			ps = append(ps, p)
		}
		slices.SortFunc(ps, comparePrefix)
		spans := make([]held, len(ps))
		for j, p := range ps {
			// An entry past its expiry (or about to be) is replaced, not
			// trusted: the kernel may have dropped it or be about to.
			spans[j] = held{spanOf(p), f.have[p].Sub(now)}
		}
		st.elems[i] = &setElems{spans: spans}
	}
	return st
}

// Apply adds and removes the changed decisions' elements, in one batch. An
// Added change for an element already held replaces it (delete and add),
// which moves its timeout. A network's change also adds or removes the
// decisions inside it, which the network hid or no longer hides.
func (b *Blocker) Apply(ctx context.Context, cs []decision.Change) error {
	type touch struct {
		f     *family
		added bool
	}
	touched := map[netip.Prefix]*touch{}
	mark := func(f *family, p netip.Prefix, added bool) {
		t := touched[p]
		if t == nil {
			t = &touch{f: f}
			touched[p] = t
		}
		t.added = t.added || added
	}
	for i := range cs {
		p, ok := prefixOf(&cs[i].Decision)
		if !ok {
			continue
		}
		f := b.v6
		if p.Addr().Is4() {
			f = b.v4
		}
		added := cs[i].Op == decision.Added
		f.record(p, cs[i].Decision.Until, added)
		mark(f, p, added)
		if p.IsSingleIP() {
			continue
		}
		for q := range f.want {
			if q.Bits() > p.Bits() && p.Contains(q.Addr()) {
				mark(f, q, false)
			}
		}
		for q := range f.have {
			if q.Bits() > p.Bits() && p.Contains(q.Addr()) {
				mark(f, q, false)
			}
		}
	}
	if len(touched) == 0 {
		b.sent = 0
		return nil
	}
	now := b.cfg.Now()
	var ops batch
	type installed struct {
		f   *family
		p   netip.Prefix
		exp time.Time // zero: deleted
	}
	var after []installed
	for p, t := range touched {
		f := t.f
		until, wanted := f.want[p]
		desired := wanted && !f.covered(p)
		exp, held := f.have[p]
		tmo := timeout(until, now)
		switch {
		case desired && !held:
			ops.add(f, p, tmo)
		case desired && held && t.added && absDur(exp.Sub(now.Add(tmo))) >= time.Second:
			ops.del(f, spanOf(p))
			ops.add(f, p, tmo)
		case !desired && held:
			ops.del(f, spanOf(p))
		default:
			continue
		}
		if desired {
			after = append(after, installed{f: f, p: p, exp: now.Add(tmo)})
		} else {
			after = append(after, installed{f: f, p: p})
		}
	}
	b.sent = ops.size()
	if ops.empty() {
		return nil
	}
	c, elements, err := b.conn()
	if err != nil {
		return err
	}
	*elements = b.sent
	var gen uint32
	genErr := errors.New("unknown")
	if b.known {
		if gen, genErr = b.generation(); genErr == nil && gen != b.gen {
			genErr = errors.New("changed")
		}
	}
	if err := ops.queue(c, [2]*nftables.Set{b.set(b.v4), b.set(b.v6)}); err != nil {
		b.known = false
		return err
	}
	if err := ctx.Err(); err != nil {
		b.known = false
		return err
	}
	if err := c.Flush(); err != nil {
		b.known = false
		return fmt.Errorf("nft: applying %d changes to inet %s: %w", len(cs), b.cfg.Table, err)
	}
	b.committed(gen, genErr, true)
	for _, in := range after {
		if in.exp.IsZero() {
			delete(in.f.have, in.p)
		} else {
			in.f.have[in.p] = in.exp
		}
	}
	b.v4.held.Store(int64(len(b.v4.have)))
	b.v6.held.Store(int64(len(b.v6.have)))
	return nil
}

// record applies one change to want.
func (f *family) record(p netip.Prefix, until time.Time, added bool) {
	_, had := f.want[p]
	if added {
		f.want[p] = until
		if !had && !p.IsSingleIP() {
			f.nets++
		}
		return
	}
	if had {
		delete(f.want, p)
		if !p.IsSingleIP() {
			f.nets--
		}
	}
}

// covered reports whether a wider prefix of want contains p.
func (f *family) covered(p netip.Prefix) bool {
	if f.nets == 0 {
		return false
	}
	for bits := p.Bits() - 1; bits >= 0; bits-- {
		if _, ok := f.want[netip.PrefixFrom(p.Addr(), bits).Masked()]; ok {
			return true
		}
	}
	return false
}

// replace installs the state a successful Sync left.
func (f *family) replace(want, have map[netip.Prefix]time.Time) {
	f.want, f.have = want, have
	f.nets = 0
	for p := range want {
		if !p.IsSingleIP() {
			f.nets++
		}
	}
	f.held.Store(int64(len(have)))
}

// syncElements queues on ops what makes the set hold want, given what it
// holds (cur; nil for a set made in this batch), and returns what it will
// hold. Both sides are sorted, so they are merged, not mapped.
func (f *family) syncElements(ops *batch, cur *setElems, want map[netip.Prefix]time.Time, now time.Time, slack time.Duration) map[netip.Prefix]time.Time {
	desired := cover(want)
	have := make(map[netip.Prefix]time.Time, len(desired))
	var spans []held
	if cur != nil {
		spans = cur.spans
		for _, e := range cur.strays {
			ops.delStray(f, e)
		}
	}
	ops.grow(f, len(desired))
	add := func(p netip.Prefix) {
		tmo := timeout(want[p], now)
		ops.add(f, p, tmo)
		have[p] = now.Add(tmo)
	}
	i, j := 0, 0
	for i < len(desired) || j < len(spans) {
		switch {
		case j == len(spans) || i < len(desired) && desired[i].Addr().Less(spans[j].lo):
			add(desired[i])
			i++
		case i == len(desired) || spans[j].lo.Less(desired[i].Addr()):
			ops.del(f, spans[j].span)
			j++
		default: // the same first address
			p, h := desired[i], spans[j]
			i, j = i+1, j+1
			if h.span == spanOf(p) && h.left != 0 && closeEnough(h.left, timeout(want[p], now), slack) {
				have[p] = now.Add(h.left)
				continue
			}
			ops.del(f, h.span)
			add(p)
		}
	}
	return have
}

// closeEnough reports whether an element with left to run may stay for a
// decision that wants tmo. Earlier than wanted, by slack at most: the
// block would end too soon. Later, also by a hundredth of tmo: the kernel
// counts a timeout from the commit, and a batch of 100,000 elements took
// 12 s from its first timeout to its commit under load, which put every
// element 12 s late; replacing them all on the next read fixed nothing.
// While the daemon runs, it removes an element when its decision ends.
func closeEnough(left, tmo, slack time.Duration) bool {
	d := left - tmo
	return d >= -slack && d <= slack+tmo/100
}

func absDur(d time.Duration) time.Duration { return max(d, -d) }

// state is what readState found, or what modelState has.
type state struct {
	table  *nftables.Table // nil: missing
	sets   [2]*nftables.Set
	chain  *nftables.Chain
	rules  []*nftables.Rule
	elems  [2]*setElems // nil: the set is missing (or will be remade)
	broken bool         // owned table: a set or the chain is not what it must be
	ok     bool         // all is as it must be but (maybe) the elements
}

// setElems is one set's elements, read: its intervals, sorted, and the
// elements that form none.
type setElems struct {
	spans  []held
	strays []elem
}

// readState finds the table and what is in it.
func (b *Blocker) readState(ctx context.Context, c *nftables.Conn) (*state, error) {
	st := &state{}
	t, err := b.findTable(c)
	if err != nil || t == nil {
		return st, err
	}
	st.table = t
	sets, err := c.GetSets(b.table)
	if err != nil {
		return nil, fmt.Errorf("nft: listing the sets of inet %s: %w", b.cfg.Table, err)
	}
	for i, f := range []*family{b.v4, b.v6} {
		for _, s := range sets {
			if s.Name == f.set {
				st.sets[i] = s
			}
		}
		s := st.sets[i]
		if s == nil {
			continue
		}
		if !f.fits(s) {
			if b.cfg.SetsOnly {
				return nil, fmt.Errorf("nft: set %s of inet %s is not type %s with flags interval,timeout", f.set, b.cfg.Table, f.keyType.Name)
			}
			st.broken = true
		}
	}
	if !b.cfg.SetsOnly {
		chains, err := c.ListChainsOfTableFamily(nftables.TableFamilyINet)
		if err != nil {
			return nil, fmt.Errorf("nft: listing chains: %w", err)
		}
		for _, ch := range chains {
			if ch.Table != nil && ch.Table.Name == b.cfg.Table && ch.Name == Chain {
				st.chain = ch
			}
		}
		if st.chain != nil {
			if !chainFits(st.chain) {
				st.broken = true
			} else if st.rules, err = c.GetRules(b.table, st.chain); err != nil {
				return nil, fmt.Errorf("nft: reading the rules of inet %s %s: %w", b.cfg.Table, Chain, err)
			}
		}
	}
	if st.broken {
		return st, nil // remade whole: no elements to read
	}
	for i, f := range []*family{b.v4, b.v6} {
		if st.sets[i] == nil {
			continue
		}
		es, err := dumpElements(ctx, b.cfg.NetNS, b.cfg.Table, f.set, f.keyLen, 2*len(f.have)+16)
		if err != nil {
			return nil, err
		}
		spans, strays := pairSpans(es)
		st.elems[i] = &setElems{spans: spans, strays: strays}
	}
	return st, nil
}

// findTable returns the table, or nil if there is none.
func (b *Blocker) findTable(c *nftables.Conn) (*nftables.Table, error) {
	ts, err := c.ListTablesOfFamily(nftables.TableFamilyINet)
	if err != nil {
		return nil, fmt.Errorf("nft: listing tables: %w", err)
	}
	for _, t := range ts {
		if t.Name == b.cfg.Table {
			return t, nil
		}
	}
	return nil, nil
}

// structure queues what makes the table, sets, chain and rules right and
// returns the sets to put elements in, and whether it queued anything. It
// clears st.elems of the sets it remakes.
func (b *Blocker) structure(c *nftables.Conn, st *state) ([2]*nftables.Set, bool, error) {
	sets := [2]*nftables.Set{b.set(b.v4), b.set(b.v6)}
	if st.ok {
		return sets, false, nil
	}
	queued := false
	addSets := func() error {
		for i, f := range []*family{b.v4, b.v6} {
			if st.sets[i] != nil {
				continue
			}
			sets[i] = b.set(f)
			if err := c.AddSet(sets[i], nil); err != nil {
				return fmt.Errorf("nft: adding set %s: %w", f.set, err)
			}
			st.elems[i] = nil
			queued = true
		}
		return nil
	}
	if b.cfg.SetsOnly {
		if st.table == nil {
			return sets, false, fmt.Errorf("%w: inet %s", ErrNoTable, b.cfg.Table)
		}
		err := addSets()
		return sets, queued, err
	}
	if st.broken {
		// Something of ours was changed into what it must not be: remake
		// the table whole, in the same batch.
		c.DelTable(b.table)
		*st = state{}
		queued = true
	}
	if st.table == nil || st.table.Flags&unix.NFT_TABLE_F_DORMANT != 0 {
		c.AddTable(b.table) // also wakes a table someone made dormant
		queued = true
	}
	if err := addSets(); err != nil {
		return sets, queued, err
	}
	ch := &nftables.Chain{
		Name:     Chain,
		Table:    b.table,
		Type:     nftables.ChainTypeFilter,
		Hooknum:  nftables.ChainHookInput,
		Priority: nftables.ChainPriorityRef(Priority),
		Policy:   ref(nftables.ChainPolicyAccept),
	}
	if st.chain == nil {
		c.AddChain(ch)
		queued = true
	}
	if st.chain == nil || !rulesFit(st.rules, b.v4, b.v6) {
		if st.chain != nil {
			c.FlushChain(ch)
		}
		for i, f := range []*family{b.v4, b.v6} {
			c.AddRule(&nftables.Rule{Table: b.table, Chain: ch, Exprs: f.rule(sets[i])})
		}
		queued = true
	}
	return sets, queued, nil
}

func ref[T any](v T) *T { return &v }

// set is the family's set: to refer to by name, or to give to AddSet,
// which gives it an ID for the rules of the same batch.
func (b *Blocker) set(f *family) *nftables.Set {
	return &nftables.Set{Table: b.table, Name: f.set, KeyType: f.keyType, Interval: true, HasTimeout: true}
}

// fits reports whether s can hold the family's intervals with timeouts.
func (f *family) fits(s *nftables.Set) bool {
	return s.KeyType.GetNFTMagic() == f.keyType.GetNFTMagic() && s.Interval && s.HasTimeout &&
		!s.IsMap && !s.Concatenation && !s.Constant
}

func chainFits(ch *nftables.Chain) bool {
	return ch.Type == nftables.ChainTypeFilter &&
		ch.Hooknum != nil && *ch.Hooknum == *nftables.ChainHookInput &&
		ch.Priority != nil && *ch.Priority == Priority &&
		ch.Policy != nil && *ch.Policy == nftables.ChainPolicyAccept
}

// rule is "ip saddr @bad_ipv4 counter drop" (or ip6).
func (f *family) rule(s *nftables.Set) []expr.Any {
	return []expr.Any{
		&expr.Meta{Key: expr.MetaKeyNFPROTO, Register: 1},
		&expr.Cmp{Op: expr.CmpOpEq, Register: 1, Data: []byte{f.nfproto}},
		&expr.Payload{DestRegister: 1, Base: expr.PayloadBaseNetworkHeader, Offset: f.offset, Len: uint32(f.keyLen)},
		&expr.Lookup{SourceRegister: 1, SetName: s.Name, SetID: s.ID},
		&expr.Counter{},
		&expr.Verdict{Kind: expr.VerdictDrop},
	}
}

// rulesFit reports whether rules are exactly the two rules, in any order.
func rulesFit(rules []*nftables.Rule, fs ...*family) bool {
	if len(rules) != len(fs) {
		return false
	}
	for _, f := range fs {
		n := 0
		for _, r := range rules {
			if f.ruleIs(r) {
				n++
			}
		}
		if n != 1 {
			return false
		}
	}
	return true
}

// ruleIs reports whether r is the family's rule.
func (f *family) ruleIs(r *nftables.Rule) bool {
	if len(r.Exprs) != 6 {
		return false
	}
	m, ok := r.Exprs[0].(*expr.Meta)
	if !ok || m.Key != expr.MetaKeyNFPROTO || m.SourceRegister || m.Register != 1 {
		return false
	}
	cm, ok := r.Exprs[1].(*expr.Cmp)
	if !ok || cm.Op != expr.CmpOpEq || cm.Register != 1 || !bytes.Equal(cm.Data, []byte{f.nfproto}) {
		return false
	}
	p, ok := r.Exprs[2].(*expr.Payload)
	if !ok || p.OperationType != expr.PayloadLoad || p.DestRegister != 1 || p.Base != expr.PayloadBaseNetworkHeader ||
		p.Offset != f.offset || p.Len != uint32(f.keyLen) {
		return false
	}
	l, ok := r.Exprs[3].(*expr.Lookup)
	if !ok || l.SourceRegister != 1 || l.SetName != f.set || l.Invert || l.IsDestRegSet {
		return false
	}
	if _, ok := r.Exprs[4].(*expr.Counter); !ok {
		return false
	}
	v, ok := r.Exprs[5].(*expr.Verdict)
	return ok && v.Kind == expr.VerdictDrop
}

// batch is the element operations of one Sync or Apply, per family:
// every deletion before every addition, so that an interval can be
// replaced, or narrowed and widened, in one transaction.
type batch struct {
	fams [2]opList
}

type opList struct {
	// dels are intervals to delete. Each is first added (a no-op if it is
	// there) and then deleted, so that a deletion cannot fail on an
	// element the kernel just expired.
	dels []span
	// strays are single elements to delete as they are.
	strays []elem
	adds   []addOp
}

type addOp struct {
	span
	timeout time.Duration
}

func (o *batch) list(f *family) *opList {
	if f.keyLen == 4 {
		return &o.fams[0]
	}
	return &o.fams[1]
}

func (o *batch) grow(f *family, n int) {
	l := o.list(f)
	l.adds = slices.Grow(l.adds, n)
}

func (o *batch) del(f *family, sp span) {
	l := o.list(f)
	l.dels = append(l.dels, sp)
}

func (o *batch) delStray(f *family, e elem) {
	l := o.list(f)
	l.strays = append(l.strays, e)
}

func (o *batch) add(f *family, p netip.Prefix, tmo time.Duration) {
	l := o.list(f)
	l.adds = append(l.adds, addOp{spanOf(p), tmo})
}

func (o *batch) empty() bool { return o.size() == 0 }

// size counts the elements sent.
func (o *batch) size() int {
	n := 0
	for _, l := range o.fams {
		n += 2*elements(l.dels) + len(l.strays)
		for _, a := range l.adds {
			n += a.count()
		}
	}
	return n
}

func elements(sps []span) int {
	n := 0
	for _, sp := range sps {
		n += sp.count()
	}
	return n
}

// count is the number of elements of the interval: 1 or 2.
func (sp span) count() int {
	if sp.hi.IsValid() {
		return 2
	}
	return 1
}

// chunk is the most elements in one netlink message: an attribute's
// length is 16 bits, and an IPv6 element with a timeout takes 40 bytes.
const chunk = 1000

// queue puts the operations on c, sets[0] for IPv4 and sets[1] for IPv6,
// chunk by chunk. The library marshals each call at once, so one buffer
// of elements and keys serves every chunk.
func (o *batch) queue(c *nftables.Conn, sets [2]*nftables.Set) error {
	els := make([]nftables.SetElement, 0, chunk+1)
	keys := make([]byte, 0, (chunk+1)*16)
	put := func(a netip.Addr) []byte {
		n := len(keys)
		if a.Is4() {
			b := a.As4()
			keys = append(keys, b[:]...)
		} else {
			b := a.As16()
			keys = append(keys, b[:]...)
		}
		return keys[n:len(keys):len(keys)]
	}
	var err error
	send := func(s *nftables.Set, add bool) {
		if len(els) == 0 || err != nil {
			return
		}
		if add {
			err = c.SetAddElements(s, els)
		} else {
			err = c.SetDeleteElements(s, els)
		}
		if err != nil {
			err = fmt.Errorf("nft: queueing elements of %s: %w", s.Name, err)
		}
		els, keys = els[:0], keys[:0]
	}
	spanElems := func(s *nftables.Set, add bool, sp span, tmo time.Duration) {
		if len(els) >= chunk {
			send(s, add)
		}
		els = append(els, nftables.SetElement{Key: put(sp.lo), Timeout: tmo})
		if sp.hi.IsValid() {
			els = append(els, nftables.SetElement{Key: put(sp.hi), IntervalEnd: true})
		}
	}
	for i, l := range o.fams {
		s := sets[i]
		for _, sp := range l.dels {
			spanElems(s, true, sp, 0)
		}
		send(s, true)
		for _, sp := range l.dels {
			spanElems(s, false, sp, 0)
		}
		send(s, false)
		for _, e := range l.strays {
			if len(els) >= chunk {
				send(s, false)
			}
			els = append(els, nftables.SetElement{Key: e.bytes(), IntervalEnd: e.end})
		}
		send(s, false)
		for _, a := range l.adds {
			spanElems(s, true, a.span, a.timeout)
		}
		send(s, true)
	}
	return err
}

// conn returns a connection, and the number of elements its next batch
// holds, to set before Flush. Each netlink operation dials its own socket
// (nothing lasting to share between goroutines); a batch is sent with one
// sendmsg, so the socket's send buffer must hold it: 48 bytes an element
// (an IPv6 element with a timeout is 40) and room for the rest.
func (b *Blocker) conn() (*nftables.Conn, *int, error) {
	elements := new(int)
	opts := []nftables.ConnOption{nftables.WithSockOptions(func(c *netlink.Conn) error {
		// Errors come back without the request echoed.
		if err := c.SetOption(netlink.CapAcknowledge, true); err != nil {
			return err
		}
		return setBuffers(c, 48*(*elements)+1<<20, recvBuffer)
	})}
	if b.cfg.NetNS != 0 {
		opts = append(opts, nftables.WithNetNSFd(b.cfg.NetNS))
	}
	c, err := nftables.New(opts...)
	if err != nil {
		return nil, nil, fmt.Errorf("nft: netlink: %w", err)
	}
	return c, elements, nil
}

// recvBuffer is the socket's receive buffer: the kernel answers a batch
// with a message per request, and under load (CI, 100,000 elements) the
// default 208 KiB overflowed before the library read them ("recvmsg: no
// buffer space available"), failing a batch the kernel had committed.
const recvBuffer = 4 << 20

// setBuffers raises the socket's send buffer to snd and its receive
// buffer to rcv bytes, past net.core.[wr]mem_max when allowed
// (CAP_NET_ADMIN, which nftables needs anyway).
func setBuffers(c *netlink.Conn, snd, rcv int) error {
	rc, err := c.SyscallConn()
	if err != nil {
		return err
	}
	var serr error
	err = rc.Control(func(fd uintptr) {
		for _, o := range []struct{ force, plain, n int }{
			{unix.SO_SNDBUFFORCE, unix.SO_SNDBUF, snd},
			{unix.SO_RCVBUFFORCE, unix.SO_RCVBUF, rcv},
		} {
			e := unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, o.force, o.n)
			if errors.Is(e, unix.EPERM) {
				e = unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, o.plain, o.n)
			}
			serr = errors.Join(serr, e)
		}
	})
	return errors.Join(err, serr)
}
