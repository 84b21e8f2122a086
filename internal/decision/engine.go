package decision

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"
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
	// SaveDecisions writes put (each value once; it may reorder put)
	// and deletes del, and records unblocked values (unsuppress: their
	// suppression is lifted), in one transaction.
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
	ids       ids // value to slot id
	ss        slots
	nets      map[uint32]struct{} // the Net decisions: few, manual only
	reasons   map[uint32]string   // the operator's reasons, by id
	order     order
	unblocked map[string]bool // suppressed until the operator blocks again
	subs      []*Subscription
	dirty     []uint32 // ids flagged dirty: to write
	// soonest: no decision ends before it (unix nanoseconds), so that
	// Expire, every second, looks at the slots only when one may have.
	soonest   int64
	removed   map[string]struct{} // written values since removed: to delete
	dirtyUnbl map[string]bool     // true: suppress, false: lift

	stats struct {
		evicted, refused, ignored atomic.Uint64
	}
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
	return &Engine{cfg: cfg, ids: newIDs(), ss: newSlots(), nets: make(map[uint32]struct{}),
		reasons: make(map[uint32]string), unblocked: make(map[string]bool), removed: make(map[string]struct{}),
		dirtyUnbl: make(map[string]bool)}
}

// Load reads the stored set, dropping what expired while the node was
// down, what the operator unblocked, and, past the cap, the weakest.
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
	// Strongest first, so that the cap keeps them.
	slices.SortFunc(ds, func(a, b Decision) int { return weaker(&b, &a) })
	for i := range ds {
		d := &ds[i]
		if !d.Until.After(now) || e.unblocked[d.Value] || e.ids.len() >= e.cfg.Max {
			e.removed[d.Value] = struct{}{}
			continue
		}
		id := e.put(d, d.Reason)
		e.ss.at(id).flags |= persisted
	}
	return nil
}

// put holds d, new or replacing the decision of its value, and returns its
// id. e.mu is held.
func (e *Engine) put(d *Decision, reason string) uint32 {
	id, ok := e.ids.lookup(&e.ss, d.Value)
	if ok {
		e.order.unlink(&e.ss, id)
	} else {
		v := d.Value
		id = e.ss.alloc(v) // a copy: v may point into a whole message
		e.ids.add(&e.ss, v, id)
		if _, was := e.removed[v]; was {
			// A removal not yet written: the row is there.
			delete(e.removed, v)
			e.ss.at(id).flags |= persisted
		}
	}
	s := e.ss.at(id)
	s.set(d)
	s.told = s.until
	e.soonest = min(e.soonest, s.until)
	s.flags |= live
	e.order.push(&e.ss, id)
	if d.Kind == Net {
		e.nets[id] = struct{}{}
	}
	if d.Origin == Manual && reason != "" {
		e.reasons[id] = reason
	} else {
		delete(e.reasons, id)
	}
	return id
}

// touch marks id to be written. e.mu is held.
func (e *Engine) touch(id uint32) {
	s := e.ss.at(id)
	s.flags |= dirty
	if s.flags&listed == 0 {
		s.flags |= listed
		e.dirty = append(e.dirty, id)
	}
}

// decision returns id's decision, its value copied out of the arena.
// e.mu is held.
func (e *Engine) decision(id uint32) Decision {
	return e.ss.at(id).decision(strings.Clone(e.ss.value(id)), e.reasons[id])
}

// untilStep is the least move of Until that a sighting makes.
const untilStep = time.Second

// extendStep is how far Until must move before subscribers are told: a
// hundredth of the block time, at least a minute.
func (e *Engine) extendStep() time.Duration { return max(e.cfg.BlockFor/100, time.Minute) }

// Observe applies one sighting: a new decision, or a longer one.
func (e *Engine) Observe(ev Evidence) {
	e.ObserveAll([]Evidence{ev})
}

// ObserveAll applies sightings in order, under one lock and one read of
// the clock: under a flood the bus hands the engine hundreds at a time.
func (e *Engine) ObserveAll(evs []Evidence) {
	now := e.cfg.Now()
	e.mu.Lock()
	defer e.mu.Unlock()
	for i := range evs {
		e.observeLocked(&evs[i], now)
	}
}

// observeLocked applies one sighting. e.mu is held.
func (e *Engine) observeLocked(evp *Evidence, now time.Time) {
	ev := *evp
	if e.cfg.Evidence == Proven && !ev.Proven {
		e.stats.ignored.Add(1)
		return
	}
	until := ev.At.Add(e.cfg.BlockFor)
	if !until.After(now) {
		return // the sighting is older than a block would last
	}
	if ev.IP.IsValid() {
		a := ev.IP.Unmap().WithZone("")
		var buf [48]byte
		b := a.AppendTo(buf[:0])
		// A view of buf for the lookups; put copies it if it keeps it.
		e.observe(unsafe.String(unsafe.SliceData(b), len(b)), IP, netip.PrefixFrom(a, a.BitLen()), ev, until)
	}
	if ev.Number != "" && isNumber(ev.Number) {
		e.observe(ev.Number, Number, netip.Prefix{}, ev, until)
	}
}

// observe applies ev to value, which it must not keep (put copies it).
// e.mu is held.
func (e *Engine) observe(value string, kind Kind, p netip.Prefix, ev Evidence, until time.Time) {
	if id, ok := e.ids.lookup(&e.ss, value); ok {
		s := e.ss.at(id)
		s.reporters = max(s.reporters, reporters(ev.Reporters))
		if ev.Origin.strength() > s.origin.strength() && s.origin != Manual {
			s.origin = ev.Origin
		}
		// A sweep sights the same source thousands of times a second:
		// Until moves in steps of a second, not on every probe.
		u := until.UnixNano()
		if s.origin == Manual || u < s.until+int64(untilStep) {
			if classOf(s.origin, s.reporters) != s.class {
				e.order.moved(&e.ss, id)
			}
			return
		}
		s.until = u
		e.order.moved(&e.ss, id)
		e.touch(id)
		if u-s.told >= int64(e.extendStep()) {
			s.told = u
			e.notify(Added, id)
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
		Since: ev.At, Until: until}
	e.insert(&d)
}

// insert adds d, making room under the cap by dropping the weakest.
// e.mu is held.
func (e *Engine) insert(d *Decision) {
	if e.ids.len() >= e.cfg.Max && !e.evictFor(d) {
		e.stats.evicted.Add(1) // d itself is the weakest
		return
	}
	id := e.put(d, "")
	e.touch(id)
	e.notify(Added, id)
}

// weaker orders decisions weakest first: origin, reporters, then the one
// that ends first.
func weaker(a, b *Decision) int {
	return cmp.Or(cmp.Compare(a.Origin.strength(), b.Origin.strength()),
		cmp.Compare(a.Reporters, b.Reporters), a.Until.Compare(b.Until))
}

// evictFor drops the weakest decision if d is stronger; it reports
// whether there is room for d.
func (e *Engine) evictFor(d *Decision) bool {
	id := e.order.weakest()
	if id == 0 {
		return false
	}
	s := e.ss.at(id)
	if s.origin == Manual || cmp.Or(cmp.Compare(d.Origin.strength(), s.origin.strength()),
		cmp.Compare(uint32(max(d.Reporters, 0)), s.reporters), cmp.Compare(d.Until.UnixNano(), s.until)) <= 0 {
		return false
	}
	e.remove(id)
	e.stats.evicted.Add(1)
	return true
}

// remove drops id and tells subscribers. e.mu is held.
func (e *Engine) remove(id uint32) {
	s := e.ss.at(id)
	v := e.ss.value(id)
	e.notify(Removed, id)
	e.ids.remove(&e.ss, v)
	delete(e.nets, id)
	delete(e.reasons, id)
	e.order.unlink(&e.ss, id)
	if s.flags&persisted != 0 {
		e.removed[strings.Clone(v)] = struct{}{}
	}
	e.ss.release(id) // no longer dirty; flush drops it from the list

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
		reason = reasonFor(Manual, 1)
	}
	now := e.cfg.Now()
	dec := Decision{Value: v, Kind: kind, Prefix: p, Origin: Manual, Reporters: 1, Since: now, Until: now.Add(d), Reason: reason}
	e.mu.Lock()
	defer e.mu.Unlock()
	if id, ok := e.ids.lookup(&e.ss, v); ok {
		s := e.ss.at(id)
		dec.Since, dec.Reporters = time.Unix(0, s.since).UTC(), max(int(s.reporters), 1)
	} else if e.ids.len() >= e.cfg.Max && !e.evictFor(&dec) {
		return Decision{}, fmt.Errorf("decision: the set is full of manual decisions (--block-max %d)", e.cfg.Max)
	}
	if e.unblocked[v] {
		delete(e.unblocked, v)
		e.dirtyUnbl[v] = false
	}
	id := e.put(&dec, reason)
	e.touch(id)
	e.notify(Added, id)
	return e.decision(id), nil
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
	id, ok := e.ids.lookup(&e.ss, v)
	if ok {
		e.remove(id)
	}
	return ok, nil
}

// Expire drops the decisions whose time is up.
func (e *Engine) Expire() {
	now := e.cfg.Now().UnixNano()
	e.mu.Lock()
	defer e.mu.Unlock()
	if now < e.soonest {
		// An idle node after a flood held 100,000 decisions of a week:
		// scanning them every second was an eighth of its CPU.
		return
	}
	soonest := int64(math.MaxInt64)
	for id := uint32(1); id < uint32(len(e.ss.s)); id++ {
		s := e.ss.at(id)
		if s.flags&live == 0 {
			continue
		}
		if s.until <= now {
			e.remove(id)
		} else {
			soonest = min(soonest, s.until)
		}
	}
	e.soonest = soonest
}

// Covers returns the narrowest network decision that contains ip, for a
// caller inside a blocked network. It keeps nothing of ip.
func (e *Engine) Covers(ip netip.Addr) (Decision, bool) {
	ip = ip.Unmap().WithZone("")
	e.mu.Lock()
	defer e.mu.Unlock()
	var best uint32
	var bestBits int
	for id := range e.nets {
		if p := e.ss.at(id).prefix(); p.Contains(ip) && (best == 0 || p.Bits() > bestBits) {
			best, bestBits = id, p.Bits()
		}
	}
	if best == 0 {
		return Decision{}, false
	}
	return e.decision(best), true
}

// Len is how many decisions are held.
func (e *Engine) Len() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.ids.len()
}

// Get returns value's decision.
func (e *Engine) Get(value string) (Decision, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	id, ok := e.ids.lookup(&e.ss, value)
	if !ok {
		return Decision{}, false
	}
	return e.decision(id), true
}

// each calls fn with every decision's id, in no order. e.mu is held.
func (e *Engine) each(fn func(id uint32, s *slot)) {
	for id := uint32(1); id < uint32(len(e.ss.s)); id++ {
		if s := e.ss.at(id); s.flags&live != 0 {
			fn(id, s)
		}
	}
}

// Snapshot returns every decision, in value order.
func (e *Engine) Snapshot() []Decision {
	e.mu.Lock()
	out := make([]Decision, 0, e.ids.len())
	e.each(func(id uint32, _ *slot) { out = append(out, e.decision(id)) })
	e.mu.Unlock()
	slices.SortFunc(out, func(a, b Decision) int { return cmp.Compare(a.Value, b.Value) })
	return out
}

// Bytes is about what the set holds in memory, for the memory budget.
func (e *Engine) Bytes() int64 {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.ss.bytes() + e.ids.bytes() + int64(cap(e.dirty))*4
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
	e.each(func(_ uint32, sl *slot) { s.ByOrigin[sl.origin]++ })
	e.mu.Unlock()
	return s
}

// Run expires decisions every second and persists changes until ctx is
// done; it saves what is left before it returns. The operator's blocks,
// unblocks and removals are saved within a second; other decisions at
// most savePerTick a second, oldest change first, so that a flood's
// hundred thousand new numbers are written over the next minutes at a
// few milliseconds of CPU a second rather than in one burst (a kill -9
// loses those not written yet; the events they came from are stored).
func (e *Engine) Run(ctx context.Context) error {
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return e.flush(context.WithoutCancel(ctx), everything)
		case <-t.C:
			e.Expire()
			if err := e.flush(ctx, savePerTick); err != nil {
				e.cfg.Logger.Warn("saving decisions failed; will retry", "err", err)
			}
		}
	}
}

// savePerTick is how many decisions other than the operator's are saved
// a second: about 3.5 ms of CPU (BenchmarkSaveDecisions), so that an idle
// node that has just seen a flood stays under a hundredth of a core.
const savePerTick = 1000

// everything, as flush's limit, saves every change.
const everything = -1

// flush persists what changed since the last flush: removals and the
// operator's decisions, and up to others other decisions (everything: no
// limit), those changed first first.
func (e *Engine) flush(ctx context.Context, others int) error {
	if e.cfg.Store == nil {
		return nil
	}
	type written struct {
		id    uint32
		value string
	}
	e.mu.Lock()
	if n := len(e.dirty); others < 0 || others > n {
		others = n
	}
	// Sized at once: a full set (100,000 at exit after a flood) grown by
	// appends allocated five times what it holds.
	put, saved := make([]Decision, 0, others), make([]written, 0, others)
	keep := e.dirty[:0]
	for _, id := range e.dirty {
		s := e.ss.at(id)
		switch {
		case s.flags&dirty == 0:
			s.flags &^= listed // freed, or written since
		case s.origin == Manual || others > 0:
			if s.origin != Manual {
				others--
			}
			// Views of the arena, which is never written over: SaveDecisions
			// keeps nothing, and the check below runs before they are dropped.
			v := e.ss.value(id)
			put = append(put, s.decision(v, e.reasons[id]))
			saved = append(saved, written{id, v})
			s.flags &^= dirty | listed
		default:
			keep = append(keep, id)
		}
	}
	clear(e.dirty[len(keep):])
	e.dirty = keep
	if cap(e.dirty) > 1024 && 4*len(e.dirty) < cap(e.dirty) {
		e.dirty = slices.Clip(slices.Clone(e.dirty)) // a flood's list, given back
	}
	del := make([]string, 0, len(e.removed))
	for v := range e.removed {
		del = append(del, v)
	}
	clear(e.removed)
	var unbl, lift []string
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
	// What was written may have been removed, or its id reused, while the
	// lock was not held: match by value.
	for _, w := range saved {
		id, ok := e.ids.lookup(&e.ss, w.value)
		switch {
		case !ok:
			if err == nil {
				e.removed[strings.Clone(w.value)] = struct{}{} // written after all: delete it
			}
		case err == nil:
			e.ss.at(id).flags |= persisted
		default:
			e.touch(id)
		}
	}
	if err == nil {
		return nil
	}
	for _, v := range del {
		if id, ok := e.ids.lookup(&e.ss, v); ok {
			e.ss.at(id).flags |= persisted // made again; the row is still there
		} else {
			e.removed[v] = struct{}{}
		}
	}
	for v, s := range dirtyUnbl {
		if _, ok := e.dirtyUnbl[v]; !ok {
			e.dirtyUnbl[v] = s
		}
	}
	return fmt.Errorf("decision: saving: %w", err)
}
