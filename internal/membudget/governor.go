package membudget

import (
	"context"
	"log/slog"
	"runtime/debug"
	"sync/atomic"
	"time"
)

// Governor keeps a [Plan] true while the process runs: what lives outside
// the Go heap (code pages the kernel maps in as they are used, SQLite's
// caches as they fill) is measured, and the Go limit and the index's
// budget follow it.
type Governor struct {
	limit int64
	// reserve is what SQLite may hold outside the Go heap (its caches,
	// when full), taken as resident from the start.
	reserve int64
	// outside reads the process's resident memory outside the Go heap
	// other than SQLite's: file-backed pages on Linux; ok false elsewhere.
	outside func() (int64, bool)
	// setGoLimit and setIndex apply a plan.
	setGoLimit func(int64)
	setIndex   atomic.Pointer[func(int64)]
	// held reads what other bounded parts hold in the Go heap (the
	// decision set), which the index's share gives up.
	held    atomic.Pointer[func() int64]
	logger  *slog.Logger
	current atomic.Pointer[Plan]
}

// Config configures [New].
type Config struct {
	Limit int64
	// Reserve is what SQLite may hold outside the Go heap.
	Reserve int64
	Logger  *slog.Logger
}

// New returns a governor for cfg.Limit (which must be > 0) and applies
// its first plan at once, so that start-up itself is governed.
func New(cfg Config) *Governor {
	g := &Governor{
		limit:      cfg.Limit,
		reserve:    cfg.Reserve,
		outside:    fileResident,
		setGoLimit: func(n int64) { debug.SetMemoryLimit(n) },
		logger:     cfg.Logger,
	}
	g.apply()
	return g
}

// Plan is the plan in force.
func (g *Governor) Plan() Plan { return *g.current.Load() }

func (g *Governor) apply() {
	out := int64(DefaultOutside)
	if n, ok := g.outside(); ok {
		out = n + g.reserve
	}
	p := For(g.limit, out)
	if old := g.current.Load(); old != nil {
		// Raised in steps: what a measurement shows given up outside the
		// heap (the binary's pages, just paged out) often comes back within
		// seconds, and a heap that grew into it meanwhile is over the limit.
		if ceiling := old.GoLimit + raiseStep(g.limit); p.GoLimit > ceiling {
			p = For(g.limit, g.limit-ceiling)
		}
	}
	if f := g.held.Load(); f != nil {
		p.IndexBytes = max(p.IndexBytes-(*f)(), p.IndexBytes/4)
	}
	if old := g.current.Load(); old != nil && old.GoLimit == p.GoLimit && abs(old.IndexBytes-p.IndexBytes) < indexStep {
		return
	}
	g.setGoLimit(p.GoLimit)
	g.current.Store(&p)
	if f := g.setIndex.Load(); f != nil {
		(*f)(p.IndexBytes)
	}
}

// indexStep is the least change of the index's budget worth applying.
const indexStep = 1 << 20

// raiseStep is the most the Go limit rises at one measurement: 4 MiB at
// 128 MiB. It falls at once.
func raiseStep(limit int64) int64 { return limit / 32 }

func abs(n int64) int64 { return max(n, -n) }

// TakeFromIndex makes the index's share give up what held reports, read
// again at every measurement: a part of the Go heap that is bounded on
// its own (the decision set, --block-max) but not small.
func (g *Governor) TakeFromIndex(held func() int64) {
	g.held.Store(&held)
	g.apply()
}

// OnIndexBudget makes f receive the index's budget whenever it changes,
// and at once.
func (g *Governor) OnIndexBudget(f func(int64)) {
	g.setIndex.Store(&f)
	f(g.Plan().IndexBytes)
}

// Run measures again every interval until ctx is done.
func (g *Governor) Run(ctx context.Context, interval time.Duration) {
	// Start-up is over a second after Run begins: what of the binary it
	// paged in and no longer uses is given back, and measured at once.
	settled := time.NewTimer(time.Second)
	defer settled.Stop()
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-settled.C:
			n, err := pageOutExecutable()
			if g.logger != nil {
				if err != nil {
					g.logger.Debug("could not give back the executable's pages", "err", err)
				} else {
					g.logger.Debug("gave back the executable's resident pages", "bytes", n)
				}
			}
			g.measure()
		case <-t.C:
			g.measure()
		}
	}
}

func (g *Governor) measure() {
	before := g.Plan()
	g.apply()
	if after := g.Plan(); after != before && g.logger != nil {
		g.logger.Debug("memory budget changed", "go_limit", after.GoLimit, "index_bytes", after.IndexBytes)
	}
}
