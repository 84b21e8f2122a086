// Package block runs the blockers: the pieces (nftables, BGP, the SIP
// agent, bouncers) that make the decision set of package [decision] take
// effect somewhere.
//
// Every blocker is driven the same way, level-triggered: [Runner.Run]
// subscribes to the set, makes the blocker hold exactly the whole set
// ([Blocker.Sync]), then hands it the changes as they come
// ([Blocker.Apply]), all that is queued at once in one call, so that a
// burst becomes one netlink batch or one BGP update. It converges on the
// whole set again every [Config.Reconcile], after any error (with a backoff
// from 1 s doubling to Reconcile) and whenever the subscription lost
// changes, so a blocker never needs to be told twice and never drifts for
// long, whatever happened to it meanwhile (an operator flushing the
// ruleset, a BGP session that went down).
//
// What happens is counted in [Status], not logged per change: the runner
// logs only when a blocker starts failing and when it recovers.
package block

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/sentrypeer/sentrypeer/internal/decision"
)

// Source is the decision set as blockers see it; *decision.Engine is one.
type Source interface {
	// Subscribe returns a subscription for a blocker named name.
	Subscribe(name string) *decision.Subscription
	// Snapshot returns every decision.
	Snapshot() []decision.Decision
}

var _ Source = (*decision.Engine)(nil)

// Blocker makes decisions take effect. The runner calls Sync and Apply
// from one goroutine, one call at a time; a blocker keeps whatever state
// it needs between calls.
type Blocker interface {
	// Name is short and stable ("nftables"), for logs and metrics.
	Name() string
	// Sync makes the blocker hold exactly ds: it adds what is missing,
	// removes what should not be there and corrects what differs
	// (timeouts), whatever state it finds. Decisions a blocker cannot
	// express (numbers for a firewall) are ignored, not errors.
	Sync(ctx context.Context, ds []decision.Decision) error
	// Apply makes the blocker follow cs, in order. An Added change is a
	// new decision or a new Until for one already held. After an error the
	// runner calls Sync, so Apply need not undo a partial failure.
	Apply(ctx context.Context, cs []decision.Change) error
}

// Holder is implemented by a blocker that can say how many elements
// (set elements, routes) it holds; [Status.Held] reads it.
type Holder interface {
	Held() int
}

// DefaultReconcile is how often a blocker converges on the whole set
// when nothing else made it (--block-reconcile).
const DefaultReconcile = 10 * time.Second

// MinBackoff is the first wait after an error; it doubles up to
// [Config.Reconcile] while errors go on.
const MinBackoff = time.Second

// maxBatch caps the changes gathered into one Apply.
const maxBatch = decision.SubscriptionQueue

// Config configures a [Runner].
type Config struct {
	// Reconcile is how often Sync runs with no other reason to
	// (--block-reconcile). Default DefaultReconcile (10 s).
	Reconcile time.Duration
	// Logger gets one line when the blocker starts failing and one when it
	// recovers. Default: discard.
	Logger *slog.Logger
	// Now is the clock of [Status]. Default time.Now.
	Now func() time.Time
}

// Status is what a runner did, for metrics and the dashboard.
type Status struct {
	// Name is the blocker's.
	Name string
	// Syncs and Applies count successful calls; Changes counts the
	// changes successfully applied; Errors counts failed calls.
	Syncs, Applies, Changes, Errors uint64
	// Lost counts the times the subscription missed changes (each ends in
	// a Sync).
	Lost uint64
	// Held is the blocker's [Holder.Held], or, for a blocker that does not
	// say, the size of the set at the last successful Sync.
	Held int
	// InSync: the last call succeeded. False from start-up until the
	// first Sync succeeds.
	InSync bool
	// LastError is the last error's text ("" if none yet), at
	// LastErrorAt.
	LastError   string
	LastErrorAt time.Time
	// LastSync is when the last successful Sync ended; LastSyncTook how
	// long it took.
	LastSync     time.Time
	LastSyncTook time.Duration
}

// Runner drives one blocker. Status is safe to call from any goroutine.
type Runner struct {
	src Source
	b   Blocker
	cfg Config

	mu     sync.Mutex
	status Status
	synced int // decisions at the last successful Sync
}

// New returns a runner for b following src. It starts nothing.
func New(src Source, b Blocker, cfg Config) *Runner {
	if cfg.Reconcile <= 0 {
		cfg.Reconcile = DefaultReconcile
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	cfg.Logger = cfg.Logger.With("component", "block", "blocker", b.Name())
	return &Runner{src: src, b: b, cfg: cfg, status: Status{Name: b.Name()}}
}

// Run is New(src, b, cfg).Run(ctx), for a caller that needs no Status.
func Run(ctx context.Context, src Source, b Blocker, cfg Config) error {
	return New(src, b, cfg).Run(ctx)
}

// Status returns what the runner did so far.
func (r *Runner) Status() Status {
	r.mu.Lock()
	s := r.status
	s.Held = r.synced
	r.mu.Unlock()
	if h, ok := r.b.(Holder); ok {
		s.Held = h.Held()
	}
	return s
}

// Run subscribes, syncs the blocker to the whole set and then keeps it
// following the set until ctx is done; it returns nil then. Errors of the
// blocker are counted and retried, never returned. Call Run once.
func (r *Runner) Run(ctx context.Context) error {
	sub := r.src.Subscribe(r.b.Name())
	reconcile := time.NewTimer(r.cfg.Reconcile)
	defer reconcile.Stop()
	var backoff time.Duration // 0: the last call succeeded
	needSync := true
	batch := make([]decision.Change, 0, 64)
	for {
		if ctx.Err() != nil {
			return nil
		}
		if needSync {
			if err := r.sync(ctx, sub); err != nil {
				if ctx.Err() != nil {
					return nil
				}
				backoff = r.failed(err, backoff)
				if !sleep(ctx, backoff) {
					return nil
				}
				continue
			}
			needSync, backoff = false, 0
			reconcile.Reset(r.cfg.Reconcile)
			continue
		}
		select {
		case <-ctx.Done():
			return nil
		case <-reconcile.C:
			needSync = true
		case c := <-sub.C():
			batch = append(batch[:0], c)
			batch = gather(sub.C(), batch)
			if sub.Lost() {
				r.mu.Lock()
				r.status.Lost++
				r.mu.Unlock()
				needSync = true
				continue
			}
			err := r.b.Apply(ctx, batch)
			if err == nil {
				r.mu.Lock()
				r.status.Applies++
				r.status.Changes += uint64(len(batch))
				r.status.InSync = true
				r.mu.Unlock()
				clear(batch) // drop references to the decisions
				continue
			}
			if ctx.Err() != nil {
				return nil
			}
			backoff = r.failed(err, backoff)
			needSync = true
			if !sleep(ctx, backoff) {
				return nil
			}
		}
	}
}

// sync converges the blocker on a fresh snapshot. Queued changes are
// dropped first: the snapshot, read after, holds them. The lost flag is
// cleared for the same reason.
func (r *Runner) sync(ctx context.Context, sub *decision.Subscription) error {
	if sub.Lost() {
		r.mu.Lock()
		r.status.Lost++
		r.mu.Unlock()
	}
	drain(sub.C())
	ds := r.src.Snapshot()
	start := r.cfg.Now()
	if err := r.b.Sync(ctx, ds); err != nil {
		return err
	}
	now := r.cfg.Now()
	r.mu.Lock()
	wasFailing := !r.status.InSync && r.status.Errors > 0
	r.status.Syncs++
	r.status.InSync = true
	r.status.LastSync = now
	r.status.LastSyncTook = now.Sub(start)
	r.synced = len(ds)
	r.mu.Unlock()
	if wasFailing {
		r.cfg.Logger.Info("blocker recovered", "decisions", len(ds))
	}
	return nil
}

// failed counts err and returns the next backoff after prev.
func (r *Runner) failed(err error, prev time.Duration) time.Duration {
	r.mu.Lock()
	first := r.status.InSync || r.status.Errors == 0
	r.status.Errors++
	r.status.InSync = false
	r.status.LastError = err.Error()
	r.status.LastErrorAt = r.cfg.Now()
	r.mu.Unlock()
	next := min(max(2*prev, MinBackoff), r.cfg.Reconcile)
	if first {
		r.cfg.Logger.Warn("blocker failing; will converge again", "err", err, "retry_in", next)
	}
	return next
}

// gather appends what is queued on ch, without waiting, up to maxBatch.
func gather(ch <-chan decision.Change, batch []decision.Change) []decision.Change {
	for len(batch) < maxBatch {
		select {
		case c := <-ch:
			batch = append(batch, c)
		default:
			return batch
		}
	}
	return batch
}

// drain discards what is queued on ch.
func drain(ch <-chan decision.Change) {
	for {
		select {
		case <-ch:
		default:
			return
		}
	}
}

// sleep waits d or until ctx is done; it reports whether d passed.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}
