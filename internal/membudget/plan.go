// Package membudget turns the operator's memory limit, what the whole
// process may hold resident, into the budgets of the parts that grow with
// what attackers send: the Go runtime's soft limit, the in-memory index and
// the sinks' queues. The rest of the process (code, SQLite's caches, which
// live outside the Go heap) is measured or reserved, not guessed at run
// time by each part.
//
// Why shares of one limit: a soft Go limit below the live heap makes the
// collector run without end (a CPU leak, not a bound), so the index, the
// one part that grows with distinct keys, is held to about a third of the
// Go limit and drops its oldest events before it would pass that.
package membudget

import "runtime/debug"

// Plan is how a limit is shared out.
type Plan struct {
	// Limit is what the whole process may hold resident; 0 means none
	// (and then every other figure is 0 or a default).
	Limit int64
	// GoLimit is the Go runtime's soft limit: Limit less what lives
	// outside the Go heap.
	GoLimit int64
	// IndexBytes is the index's budget: IndexShare of GoLimit.
	IndexBytes int64
	// QueueSize is each sink's queue, in events: QueueShare of Limit at
	// EventBytes an event. Events are shared by every queue, so the
	// backlog of the slowest sink is what it costs.
	QueueSize int
}

const (
	// IndexShare of the Go limit goes to the index. The rest is the
	// program itself (about 10 MB of heap), a flood's backlog, and the
	// collector's headroom: at half, a flood of new numbers kept the heap
	// so near the soft limit that the collector ran 40 times a second;
	// at about a third the live heap stays under half the limit, and the
	// collector runs on its usual pace (GOGC) instead.
	IndexShare = 0.35
	// QueueShare of the limit bounds a flood's backlog.
	QueueShare = 0.2
	// EventBytes is what one queued event costs with its strings: about
	// 400 bytes for a scanner's OPTIONS, 1 KB for an INVITE with SDP;
	// the larger is taken.
	EventBytes = 1 << 10
	// MinQueue and MaxQueue bound the queue sized from the limit;
	// MaxQueue is also the queue without a limit.
	MinQueue = 1 << 12
	MaxQueue = 1 << 16
	// MinLimit is the smallest limit accepted: the program and SQLite
	// need about this much before holding any event.
	MinLimit = 48 << 20
	// DefaultOutside is what is taken to live outside the Go heap before
	// it is measured: the program's code pages and SQLite's caches.
	DefaultOutside = 48 << 20
)

// For shares out limit, with outside bytes resident outside the Go heap.
// A limit of 0 means none.
func For(limit, outside int64) Plan {
	if limit <= 0 {
		return Plan{QueueSize: MaxQueue}
	}
	goLimit := max(limit-outside, limit/4)
	q := int(float64(limit) * QueueShare / EventBytes)
	return Plan{
		Limit:      limit,
		GoLimit:    goLimit,
		IndexBytes: int64(float64(goLimit) * IndexShare),
		QueueSize:  min(max(q, MinQueue), MaxQueue),
	}
}

// GoLimitFromEnv returns the soft limit GOMEMLIMIT set, when it is set: it
// is the runtime's own setting, and wins over the configured limit.
func GoLimitFromEnv(env func(string) (string, bool)) (int64, bool) {
	if _, set := env("GOMEMLIMIT"); !set {
		return 0, false
	}
	// The runtime has parsed it already; a negative argument only reads.
	return debug.SetMemoryLimit(-1), true
}
