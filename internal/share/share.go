// Package share turns the honeypot's own probe events into signed
// [record.Record]s for the peer-to-peer network: the [Aggregator] is an
// [event.Sink] whose output the p2p node publishes.
//
// # Aggregation
//
// Sightings are grouped by [record.Key] (source IP, called number, method,
// user agent). The first sighting of a key is published at once, with
// Count 1, so that a new attacker reaches every peer within a second.
// Later sightings are folded: at the end of each interval one update per
// key carries Count = sightings since the key's previous record, and their
// first and last times. A key with no sighting for a whole interval is
// forgotten; if it comes back, its next sighting is a first sighting again.
// A flood of any size from one source to one number is thus one record at
// once plus one per interval.
//
// # What is never shared
//
// Events from allowlisted prefixes ([Config.Allow]) produce nothing, and,
// unless [Config.AllowPrivate], neither do events from sources that are not
// public by [record.IsPublic] (private, loopback and other reserved
// ranges), so a honeypot on a LAN does not publish LAN addresses. The
// destination address and the raw message are not in a record at all.
//
// # Bounds
//
// At most [Config.MaxKeys] keys are tracked; sightings of new keys past it
// are counted and dropped. First sightings are sent at once only within a
// publish budget (a token bucket of [Config.Rate] and [Config.Burst]);
// beyond it they wait for the next interval's flush. Output goes to a
// bounded channel that is never blocked on: a record that does not fit is
// kept (its count keeps growing) and retried at the next flush.
package share

import (
	"crypto/ed25519"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sentrypeer/sentrypeer/internal/event"
	"github.com/sentrypeer/sentrypeer/internal/record"
)

// Defaults for the zero fields of [Config].
const (
	DefaultInterval  = 10 * time.Second
	DefaultMaxKeys   = 100_000
	DefaultRate      = 500
	DefaultBurst     = 1000
	DefaultOutBuffer = 16_384
)

// Config configures an [Aggregator].
type Config struct {
	// Key signs every record: the node's Ed25519 identity key (for a libp2p
	// key, the 64 bytes of its Raw form). Required.
	Key ed25519.PrivateKey
	// Interval is how often folded sightings are flushed as update records
	// (--p2p-interval). Zero or negative means DefaultInterval (10 s).
	Interval time.Duration
	// Allow lists source prefixes that are never shared (--allow).
	// IPv4-mapped IPv6 prefixes are treated as their IPv4 equivalents.
	Allow []netip.Prefix
	// AllowPrivate also shares sources that are not public by
	// record.IsPublic (private, loopback, link-local...). Default false:
	// they are skipped. Tests on loopback and LAN-only networks set it.
	AllowPrivate bool
	// ShareDestination and ShareRaw add, to the first record of each key
	// when it goes out at once, the honeypot address the probe was sent to
	// and the SIP message as received (--p2p-share-destination,
	// --p2p-share-raw). Off by default: both stay on this node. A message
	// over record.MaxRawLen is not attached; updates never carry either.
	ShareDestination bool
	ShareRaw         bool
	// MaxKeys bounds the keys tracked. Zero or negative means
	// DefaultMaxKeys (100,000).
	MaxKeys int
	// Rate is the publish budget for first sightings, in records per
	// second; Burst is how many may go at once. Zero or negative means
	// DefaultRate (500/s) and DefaultBurst (1,000).
	Rate  float64
	Burst int
	// OutBuffer is the capacity of the Out channel, in records. Zero or
	// negative means DefaultOutBuffer (16,384). A flush sends one record
	// per active key, so it should exceed the number of keys active in an
	// interval; what does not fit waits one more interval.
	OutBuffer int
	// Now is the clock of the publish budget (and the time of events that
	// carry none). Nil means time.Now.
	Now func() time.Time
}

// Aggregator turns events into records. Create it with [New]; then call
// [Aggregator.Run] once (or drive it with [Aggregator.Add] and
// [Aggregator.Flush]) and read [Aggregator.Out].
//
// Add, Flush and Stats are safe for concurrent use with each other and
// with Run. The Aggregator never blocks on its output.
type Aggregator struct {
	cfg     Config
	allow   []netip.Prefix
	out     chan *record.Record
	running atomic.Bool

	mu     sync.Mutex
	keys   map[record.Key]*entry
	gen    uint64 // flushes so far: the period sightings are in
	budget bucket
	closed bool // Out is closed: nothing more is sent

	stats counters
}

var _ event.Sink = (*Aggregator)(nil)

// entry is the state of one tracked key.
type entry struct {
	first, last time.Time // span of the pending sightings
	pending     uint32    // sightings since the key's previous record
	tr          event.Transport
	gen         uint64 // period of the latest sighting
}

// New returns an Aggregator for cfg, with defaults filled in. It starts no
// goroutine. It panics if cfg.Key is not an Ed25519 private key: that is a
// wiring bug, and no record could be signed.
func New(cfg Config) *Aggregator {
	if len(cfg.Key) != ed25519.PrivateKeySize {
		panic("share: Config.Key is not an ed25519 private key")
	}
	if cfg.Interval <= 0 {
		cfg.Interval = DefaultInterval
	}
	if cfg.MaxKeys <= 0 {
		cfg.MaxKeys = DefaultMaxKeys
	}
	if cfg.Rate <= 0 {
		cfg.Rate = DefaultRate
	}
	if cfg.Burst <= 0 {
		cfg.Burst = DefaultBurst
	}
	if cfg.OutBuffer <= 0 {
		cfg.OutBuffer = DefaultOutBuffer
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	allow := make([]netip.Prefix, 0, len(cfg.Allow))
	for _, p := range cfg.Allow {
		if p.Addr().Is4In6() && p.Bits() >= 96 {
			p = netip.PrefixFrom(p.Addr().Unmap(), p.Bits()-96)
		}
		allow = append(allow, p.Masked())
	}
	return &Aggregator{
		cfg:    cfg,
		allow:  allow,
		out:    make(chan *record.Record, cfg.OutBuffer),
		keys:   make(map[record.Key]*entry),
		budget: bucket{rate: cfg.Rate, burst: float64(cfg.Burst), tokens: float64(cfg.Burst)},
	}
}

// Out returns the channel of signed records to publish. The Aggregator
// owns it and closes it when Run returns. Records on it are not modified
// afterwards; the reader must not modify them either.
func (a *Aggregator) Out() <-chan *record.Record { return a.out }
