package decision

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// Evidence is a sighting the engine is told of.
type Evidence struct {
	IP     netip.Addr // invalid for none
	Number string     // normalised; "" for none
	Origin Origin     // Local, Peers or Trusted
	// Reporters is how many distinct nodes reported it.
	Reporters int
	// Proven: the source cannot be forged. For a local sighting, it came
	// over TCP or TLS, or over UDP echoing the responder's challenge; a
	// peers' quorum or a trusted peer's report is proven by the agreement.
	Proven bool
	At     time.Time
}

// Evidence levels, for --block-evidence.
const (
	// Any acts on every enforced sighting (the default).
	Any = "any"
	// Proven acts only on evidence whose source cannot be forged.
	Proven = "proven"
)

// Defaults of [Config].
const (
	DefaultBlockFor = 168 * time.Hour
	DefaultMax      = 100_000
)

// Store persists the set; *store.Store is one.
type Store interface {
	// LoadDecisions returns the stored decisions and the values the
	// operator unblocked.
	LoadDecisions(ctx context.Context) ([]Decision, []string, error)
	// SaveDecisions writes put and deletes del, and records unblocked
	// values (unsuppress: their suppression is lifted), in one transaction.
	SaveDecisions(ctx context.Context, put []Decision, del []string, unblocked, unsuppress []string) error
}

// Config configures [New].
type Config struct {
	BlockFor time.Duration // 0: DefaultBlockFor
	Max      int           // 0: DefaultMax
	// Evidence is Any or Proven ("" is Any).
	Evidence string
	Never    *Never
	Store    Store // nil keeps the set in memory only
	Now      func() time.Time
	Logger   *slog.Logger
}

// Engine keeps the set. Safe for concurrent use.
type Engine struct {
	cfg Config

	mu        sync.Mutex
	set       map[string]*entry
	nets      map[string]*entry // the Net decisions of set: few, manual only
	order     order
	unblocked map[string]bool // suppressed until the operator blocks again
	subs      []*Subscription
	dirty     map[string]bool // values to persist (put or delete)
	dirtyUnbl map[string]bool // true: suppress, false: lift

	stats struct {
		evicted, refused, ignored atomic.Uint64
	}
}

// entry is a decision and what subscribers were last told of its Until:
// later sightings extend Until on every probe, and telling blockers every
// time would flood them.
type entry struct {
	Decision
	told       time.Time
	class      int
	persisted  bool   // in the store: its removal must be written
	prev, next *entry // in the engine's order
}

// New returns an engine for cfg; call [Engine.Load] before feeding it.
func New(cfg Config) *Engine {
	if cfg.BlockFor <= 0 {
		cfg.BlockFor = DefaultBlockFor
	}
	if cfg.Max <= 0 {
		cfg.Max = DefaultMax
	}
	if cfg.Evidence == "" {
		cfg.Evidence = Any
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	return &Engine{cfg: cfg, set: make(map[string]*entry), nets: make(map[string]*entry), unblocked: make(map[string]bool),
		dirty: make(map[string]bool), dirtyUnbl: make(map[string]bool)}
}

// Load reads the stored set, dropping what expired while the node was
// down.
func (e *Engine) Load(ctx context.Context) error {
	if e.cfg.Store == nil {
		return nil
	}
	ds, unbl, err := e.cfg.Store.LoadDecisions(ctx)
	if err != nil {
		return fmt.Errorf("decision: loading: %w", err)
	}
	now := e.cfg.Now()
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, v := range unbl {
		e.unblocked[v] = true
	}
	for _, d := range ds {
		if !d.Until.After(now) {
			e.dirty[d.Value] = true
			continue
		}
		e.put(&entry{Decision: d, told: d.Until, persisted: true})
	}
	return nil
}

// put holds en, and among the networks when it is one. e.mu is held.
func (e *Engine) put(en *entry) {
	if old, ok := e.set[en.Value]; ok {
		e.order.unlink(old)
		en.persisted = en.persisted || old.persisted
	} else if e.dirty[en.Value] {
		en.persisted = true // a removal not yet written: the row is there
	}
	e.set[en.Value] = en
	e.order.push(en)
	if en.Kind == Net {
		e.nets[en.Value] = en
	}
}

// extendStep is how far Until must move before subscribers are told: a
// hundredth of the block time, at least a minute.
func (e *Engine) extendStep() time.Duration { return max(e.cfg.BlockFor/100, time.Minute) }

// Observe applies one sighting: a new decision, or a longer one.
func (e *Engine) Observe(ev Evidence) {
	if e.cfg.Evidence == Proven && !ev.Proven {
		e.stats.ignored.Add(1)
		return
	}
	if ev.IP.IsValid() {
		a := ev.IP.Unmap().WithZone("")
		e.observe(a.String(), IP, netip.PrefixFrom(a, a.BitLen()), ev)
	}
	if ev.Number != "" && isNumber(ev.Number) {
		e.observe(ev.Number, Number, netip.Prefix{}, ev)
	}
}

func (e *Engine) observe(value string, kind Kind, p netip.Prefix, ev Evidence) {
	until := ev.At.Add(e.cfg.BlockFor)
	if !until.After(e.cfg.Now()) {
		return // the sighting is older than a block would last
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if en, ok := e.set[value]; ok {
		d := &en.Decision
		d.Reporters = max(d.Reporters, ev.Reporters)
		if ev.Origin.strength() > d.Origin.strength() && d.Origin != Manual {
			d.Origin = ev.Origin
		}
		if d.Origin == Manual || !until.After(d.Until) {
			if class(d) != en.class {
				e.order.moved(en)
			}
			return
		}
		d.Until = until
		e.order.moved(en)
		e.dirty[value] = true
		if until.Sub(en.told) >= e.extendStep() {
			en.told = until
			e.notify(Change{Op: Added, Decision: *d})
		}
		return
	}
	if e.unblocked[value] {
		e.stats.ignored.Add(1)
		return
	}
	if kind != Number && e.cfg.Never.Blocks(p) {
		e.stats.refused.Add(1)
		return
	}
	d := Decision{Value: value, Kind: kind, Prefix: p, Origin: ev.Origin, Reporters: max(ev.Reporters, 1),
		Since: ev.At, Until: until, Reason: reason(ev)}
	e.insert(d)
}

func reason(ev Evidence) string {
	switch ev.Origin {
	case Local:
		return "probed this honeypot"
	case Trusted:
		return "reported by a trusted peer"
	}
	return fmt.Sprintf("reported by %d peers", ev.Reporters)
}

// insert adds d, making room under the cap by dropping the weakest.
// e.mu is held.
func (e *Engine) insert(d Decision) {
	if len(e.set) >= e.cfg.Max && !e.evictFor(d) {
		e.stats.evicted.Add(1) // d itself is the weakest
		return
	}
	e.put(&entry{Decision: d, told: d.Until})
	e.dirty[d.Value] = true
	e.notify(Change{Op: Added, Decision: d})
}

// weaker orders decisions weakest first: origin, reporters, then the one
// that ends first.
func weaker(a, b *Decision) int {
	return cmp.Or(cmp.Compare(a.Origin.strength(), b.Origin.strength()),
		cmp.Compare(a.Reporters, b.Reporters), a.Until.Compare(b.Until))
}

// evictFor drops the weakest decision if d is stronger; it reports
// whether there is room for d.
func (e *Engine) evictFor(d Decision) bool {
	weakest := e.order.weakest()
	if weakest == nil || weaker(&d, &weakest.Decision) <= 0 || weakest.Origin == Manual {
		return false
	}
	e.remove(weakest.Value)
	e.stats.evicted.Add(1)
	return true
}

// remove drops value and tells subscribers. e.mu is held.
func (e *Engine) remove(value string) bool {
	en, ok := e.set[value]
	if !ok {
		return false
	}
	delete(e.set, value)
	delete(e.nets, value)
	e.order.unlink(en)
	if en.persisted {
		e.dirty[value] = true
	} else {
		delete(e.dirty, value) // never written: nothing to delete
	}
	e.notify(Change{Op: Removed, Decision: en.Decision})
	return true
}

// ErrProtected: a value the engine must never block.
var ErrProtected = errors.New("decision: never blocked: an --allow network, this node's or a peer's address, loopback or a bogon")

// Block makes a manual decision for value (see [ParseValue]) lasting d,
// and lifts an earlier unblock of it.
func (e *Engine) Block(value string, d time.Duration, reason string) (Decision, error) {
	v, kind, p, err := ParseValue(value)
	if err != nil {
		return Decision{}, err
	}
	if d <= 0 {
		d = e.cfg.BlockFor
	}
	if kind != Number && e.cfg.Never.Blocks(p) {
		return Decision{}, fmt.Errorf("%w: %s", ErrProtected, v)
	}
	if reason == "" {
		reason = "blocked by the operator"
	}
	now := e.cfg.Now()
	dec := Decision{Value: v, Kind: kind, Prefix: p, Origin: Manual, Reporters: 1, Since: now, Until: now.Add(d), Reason: reason}
	e.mu.Lock()
	defer e.mu.Unlock()
	if old, ok := e.set[v]; ok {
		dec.Since, dec.Reporters = old.Since, max(old.Reporters, 1)
	} else if len(e.set) >= e.cfg.Max && !e.evictFor(dec) {
		return Decision{}, fmt.Errorf("decision: the set is full of manual decisions (--block-max %d)", e.cfg.Max)
	}
	if e.unblocked[v] {
		delete(e.unblocked, v)
		e.dirtyUnbl[v] = false
	}
	e.put(&entry{Decision: dec, told: dec.Until})
	e.dirty[v] = true
	e.notify(Change{Op: Added, Decision: dec})
	return dec, nil
}

// Unblock removes value's decision, if any, and keeps the value from
// coming back until the operator blocks it again. It reports whether a
// decision was removed.
func (e *Engine) Unblock(value string) (bool, error) {
	v, _, _, err := ParseValue(value)
	if err != nil {
		return false, err
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if !e.unblocked[v] {
		e.unblocked[v] = true
		e.dirtyUnbl[v] = true
	}
	return e.remove(v), nil
}

// Expire drops the decisions whose time is up.
func (e *Engine) Expire() {
	now := e.cfg.Now()
	e.mu.Lock()
	defer e.mu.Unlock()
	for v, en := range e.set {
		if !en.Until.After(now) {
			e.remove(v)
		}
	}
}

// Covers returns the narrowest network decision that contains ip, for a
// caller inside a blocked network. It keeps nothing of ip.
func (e *Engine) Covers(ip netip.Addr) (Decision, bool) {
	ip = ip.Unmap().WithZone("")
	e.mu.Lock()
	defer e.mu.Unlock()
	var best *entry
	for _, en := range e.nets {
		if en.Prefix.Contains(ip) && (best == nil || en.Prefix.Bits() > best.Prefix.Bits()) {
			best = en
		}
	}
	if best == nil {
		return Decision{}, false
	}
	return best.Decision, true
}

// Len is how many decisions are held.
func (e *Engine) Len() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return len(e.set)
}

// Get returns value's decision.
func (e *Engine) Get(value string) (Decision, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	en, ok := e.set[value]
	if !ok {
		return Decision{}, false
	}
	return en.Decision, true
}

// Snapshot returns every decision, in value order.
func (e *Engine) Snapshot() []Decision {
	e.mu.Lock()
	out := make([]Decision, 0, len(e.set))
	for _, en := range e.set {
		out = append(out, en.Decision)
	}
	e.mu.Unlock()
	slices.SortFunc(out, func(a, b Decision) int { return cmp.Compare(a.Value, b.Value) })
	return out
}

// Stats are the engine's counts.
type Stats struct {
	// ByOrigin counts the decisions held, by origin.
	ByOrigin map[Origin]int
	// Evicted counts decisions dropped (or not made) for the cap; Refused
	// sightings of protected addresses; Ignored sightings of unblocked
	// values or, with --block-evidence proven, unproven ones.
	Evicted, Refused, Ignored uint64
}

// Stats returns the engine's counts.
func (e *Engine) Stats() Stats {
	s := Stats{ByOrigin: map[Origin]int{}, Evicted: e.stats.evicted.Load(), Refused: e.stats.refused.Load(), Ignored: e.stats.ignored.Load()}
	e.mu.Lock()
	for _, en := range e.set {
		s.ByOrigin[en.Origin]++
	}
	e.mu.Unlock()
	return s
}

// Run expires decisions every second and persists changes until ctx is
// done; it saves what is left before it returns. The operator's blocks,
// unblocks and removals are saved within a second; other decisions every
// saveEvery, so that a flood of new numbers, most of them pushed out by
// the cap within seconds, is not written row by row (a kill -9 loses at
// most that much of them).
func (e *Engine) Run(ctx context.Context) error {
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for n := 1; ; n++ {
		select {
		case <-ctx.Done():
			return e.flush(context.WithoutCancel(ctx), true)
		case <-t.C:
			e.Expire()
			if err := e.flush(ctx, n%saveEvery == 0); err != nil {
				e.cfg.Logger.Warn("saving decisions failed; will retry", "err", err)
			}
		}
	}
}

// saveEvery is how often, in seconds, decisions other than the
// operator's are saved.
const saveEvery = 30

// flush persists what changed since the last flush: removals and the
// operator's decisions, and, when all, every other decision too.
func (e *Engine) flush(ctx context.Context, all bool) error {
	if e.cfg.Store == nil {
		return nil
	}
	e.mu.Lock()
	var put []Decision
	var del, unbl, lift []string
	var saved []*entry
	taken := make(map[string]bool)
	for v := range e.dirty {
		en, ok := e.set[v]
		switch {
		case !ok:
			del = append(del, v)
		case all || en.Origin == Manual:
			put = append(put, en.Decision)
			saved = append(saved, en)
		default:
			continue
		}
		taken[v] = true
	}
	for v := range taken {
		delete(e.dirty, v)
	}
	for v, s := range e.dirtyUnbl {
		if s {
			unbl = append(unbl, v)
		} else {
			lift = append(lift, v)
		}
	}
	dirtyUnbl := e.dirtyUnbl
	e.dirtyUnbl = make(map[string]bool)
	e.mu.Unlock()
	if len(put)+len(del)+len(unbl)+len(lift) == 0 {
		return nil
	}
	err := e.cfg.Store.SaveDecisions(ctx, put, del, unbl, lift)
	e.mu.Lock()
	defer e.mu.Unlock()
	if err == nil {
		for _, en := range saved {
			en.persisted = true
		}
		return nil
	}
	{
		// Mark them again, unless something newer did.
		for v := range taken {
			e.dirty[v] = true
		}
		for v, s := range dirtyUnbl {
			if _, ok := e.dirtyUnbl[v]; !ok {
				e.dirtyUnbl[v] = s
			}
		}
		return fmt.Errorf("decision: saving: %w", err)
	}
}
