// Package index keeps every source IP and called number seen within the
// retention window in memory, so that "is this IP bad?" is a map lookup,
// and lists, top-N tables and per-hour counts cost no database query.
//
// The index is a sink: it follows the event bus and, at start-up, loads
// what the store already holds ([Index.Load]). Peers' records come in
// through [Index.AddReports]. It keeps one compact record per event or
// report (40 bytes) in arrival order, so that when one ages out of the
// window, or the index is full, its IP's and number's counts go down
// exactly as the store's would. Each IP and number knows which peers
// reported it, to tell when a quorum agrees ([Entry].Enforce).
//
// Everything is held in large pointer-free slabs addressed by integer ids
// (records, entries, key bytes, hash slots), so the garbage collector has
// nothing to scan however many keys attackers make, and the index knows
// its memory to the chunk ([Index.Bytes]). A distinct IP or number costs a
// 64-byte entry, its key's bytes and about 16 bytes of hash slots. Full,
// by event count (MaxEvents) or by memory (MaxBytes), it drops its oldest
// events and gives back the slabs they leave empty.
//
// An Index is safe for concurrent use: one goroutine feeds it ([Index.Run]
// or [Index.Add]), any number query it.
package index

import (
	"sync"
	"sync/atomic"
	"time"
)

// Defaults of [Config].
const (
	DefaultMaxAge    = 7 * 24 * time.Hour
	DefaultMaxEvents = 4_000_000
)

// Config configures [New].
type Config struct {
	// MaxAge is the window: older events are dropped. 0 means
	// [DefaultMaxAge].
	MaxAge time.Duration
	// MaxEvents bounds the events held: past it, the oldest are dropped
	// early (and counted in [Stats].Evicted). 0 means [DefaultMaxEvents].
	MaxEvents int
	// MaxBytes bounds the memory the index holds in the same way; 0 means
	// no bound but MaxEvents. [Index.SetMaxBytes] changes it later.
	MaxBytes int64
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Quorum is how many distinct peers must report an IP or number for
	// it to be enforced without a local sighting; 0 means 2.
	Quorum int
	// Trusted are the keys of peers whose report alone is enough.
	Trusted [][32]byte
}

// Source says where the events behind an entry came from, as a set.
type Source uint8

const (
	// Local: seen by this node.
	Local Source = 1 << iota
	// Peer: received from another node.
	Peer
)

// Names returns the set's members as "local" and "peer".
func (s Source) Names() []string {
	out := []string{}
	if s&Local != 0 {
		out = append(out, "local")
	}
	if s&Peer != 0 {
		out = append(out, "peer")
	}
	return out
}

// Index is the in-memory index. Create it with [New].
type Index struct {
	cfg Config

	mu        sync.RWMutex
	ips       table // keys: 4 or 16 address bytes
	numbers   table // keys: normalised numbers
	uas       uaTable
	reporters reporterTable
	ring      ring
	total     int64 // sightings held
	methods   [nMethods]int64
	hours     map[int64]int64 // unix hour -> events
	last      int64           // newest event time seen

	maxBytes atomic.Int64
	loaded   atomic.Bool
	stale    atomic.Uint64
	evicted  atomic.Uint64
}

// New returns an empty index.
func New(cfg Config) *Index {
	if cfg.MaxAge <= 0 {
		cfg.MaxAge = DefaultMaxAge
	}
	if cfg.MaxEvents <= 0 {
		cfg.MaxEvents = DefaultMaxEvents
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Quorum <= 0 {
		cfg.Quorum = 2
	}
	x := &Index{
		cfg:       cfg,
		ips:       newTable(),
		numbers:   newTable(),
		uas:       newUATable(),
		reporters: newReporterTable(cfg.Trusted),
		hours:     make(map[int64]int64),
	}
	x.maxBytes.Store(max(cfg.MaxBytes, 0))
	return x
}

// Ready reports whether [Index.Load] has finished: until then, answers
// cover only part of what is stored.
func (x *Index) Ready() bool { return x.loaded.Load() }
