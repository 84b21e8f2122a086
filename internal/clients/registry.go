package clients

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"log/slog"
	"math"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// DefaultTTL is how long a token lasts: 15 minutes. Short, so that a
// token copied off the wire is worth little, but a deleted client is cut
// off at once anyway (tokens are checked against the database's current
// clients); and long enough that a busy CGRateS fetches a token about once
// per 15 minutes. Clients renew on the 401 that follows.
const DefaultTTL = 15 * time.Minute

// Defaults of [Config].
const (
	DefaultRate  = 50  // requests per second per client
	DefaultBurst = 100 // requests
)

// ErrInvalidClient is returned by [Registry.Issue] for an unknown client
// or a wrong secret.
var ErrInvalidClient = errors.New("clients: invalid client credentials")

// Config configures [New].
type Config struct {
	// TTL is the tokens' lifetime; 0 means [DefaultTTL].
	TTL time.Duration
	// Rate (requests per second) and Burst bound each client's requests;
	// 0 means [DefaultRate] and [DefaultBurst]. A negative Rate turns
	// the limit off.
	Rate  float64
	Burst int
	// Poll is how often the database is checked for changes; 0 means 1 s.
	Poll time.Duration
	// Changed, when set, is called with every client after each load
	// that changed them (and after the first), e.g. to update the
	// index's trusted reporters. It must not block for long.
	Changed func([]Client)
	// Now is the clock; nil means time.Now.
	Now    func() time.Time
	Logger *slog.Logger
}

// Registry is the daemon's view of the clients database: the current
// clients, their tokens and rate limits.
type Registry struct {
	db   *DB
	cfg  Config
	key  [32]byte
	snap atomic.Pointer[snapshot]

	mu      sync.Mutex
	buckets map[string]*bucket
}

type snapshot struct {
	byID map[string]Client
	list []Client
}

// New returns a registry reading db. Call [Registry.Load] before use.
func New(db *DB, cfg Config) *Registry {
	if cfg.TTL <= 0 {
		cfg.TTL = DefaultTTL
	}
	if cfg.Rate == 0 {
		cfg.Rate = DefaultRate
	}
	if cfg.Burst <= 0 {
		cfg.Burst = DefaultBurst
	}
	if cfg.Poll <= 0 {
		cfg.Poll = time.Second
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	r := &Registry{db: db, cfg: cfg, buckets: map[string]*bucket{}}
	rand.Read(r.key[:])
	r.snap.Store(&snapshot{byID: map[string]Client{}})
	return r
}

// Load reads the clients now in the database.
func (r *Registry) Load(ctx context.Context) error {
	cs, err := r.db.List(ctx)
	if err != nil {
		return err
	}
	s := &snapshot{byID: make(map[string]Client, len(cs)), list: cs}
	for _, c := range cs {
		s.byID[c.ID] = c
	}
	r.snap.Store(s)
	r.mu.Lock()
	for id := range r.buckets {
		if _, ok := s.byID[id]; !ok {
			delete(r.buckets, id)
		}
	}
	r.mu.Unlock()
	if r.cfg.Changed != nil {
		r.cfg.Changed(cs)
	}
	return nil
}

// Run reloads the clients whenever the database changes, until ctx is
// done; then it returns nil. A failed check is logged and tried again.
func (r *Registry) Run(ctx context.Context) error {
	last, err := r.db.version(ctx)
	if err != nil && ctx.Err() == nil {
		r.cfg.Logger.Warn("checking the clients database failed", "err", err)
	}
	t := time.NewTicker(r.cfg.Poll)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
		v, err := r.db.version(ctx)
		if err != nil {
			if ctx.Err() == nil {
				r.cfg.Logger.Warn("checking the clients database failed", "err", err)
			}
			continue
		}
		if v == last {
			continue
		}
		if err := r.Load(ctx); err != nil {
			if ctx.Err() == nil {
				r.cfg.Logger.Warn("reloading the clients database failed", "err", err)
			}
			continue
		}
		last = v
		r.cfg.Logger.Info("API clients reloaded", "clients", r.Len())
	}
}

// Len is how many clients there are.
func (r *Registry) Len() int { return len(r.snap.Load().list) }

// Any reports whether there is a client.
func (r *Registry) Any() bool { return r.Len() > 0 }

// Clients returns the current clients, by name.
func (r *Registry) Clients() []Client { return r.snap.Load().list }

// Token is an issued access token.
type Token struct {
	AccessToken string
	ExpiresIn   time.Duration
	Scope       Scope
	Client      Client
}

// tokenPrefix starts every token, so that it is told from an API key.
const tokenPrefix = "spt1."

// Issue checks a client's credentials and returns a token for it.
func (r *Registry) Issue(id, secret string) (Token, error) {
	c, ok := r.snap.Load().byID[id]
	h := sha256.Sum256([]byte(secret))
	if !ok || subtle.ConstantTimeCompare(h[:], c.hash[:]) != 1 {
		return Token{}, ErrInvalidClient
	}
	exp := r.cfg.Now().Add(r.cfg.TTL).Unix()
	payload := make([]byte, 9, 9+len(id))
	binary.BigEndian.PutUint64(payload, uint64(exp))
	payload[8] = byte(c.Scope)
	payload = append(payload, id...)
	mac := hmac.New(sha256.New, r.key[:])
	mac.Write(payload)
	tok := tokenPrefix + base64.RawURLEncoding.EncodeToString(payload) + "." + base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
	return Token{AccessToken: tok, ExpiresIn: r.cfg.TTL, Scope: c.Scope, Client: c}, nil
}

// IsToken reports whether s looks like one of our tokens (it need not be
// valid).
func IsToken(s string) bool { return strings.HasPrefix(s, tokenPrefix) }

// Verify returns the client a token was issued to, with the scopes both
// the token and the client have now. It fails for a forged, expired or
// malformed token and for a client no longer in the database.
func (r *Registry) Verify(tok string) (Client, bool) {
	rest, ok := strings.CutPrefix(tok, tokenPrefix)
	if !ok || len(rest) > 512 {
		return Client{}, false
	}
	p64, m64, ok := strings.Cut(rest, ".")
	if !ok {
		return Client{}, false
	}
	payload, err1 := base64.RawURLEncoding.DecodeString(p64)
	sum, err2 := base64.RawURLEncoding.DecodeString(m64)
	if err1 != nil || err2 != nil || len(payload) < 10 {
		return Client{}, false
	}
	mac := hmac.New(sha256.New, r.key[:])
	mac.Write(payload)
	if !hmac.Equal(sum, mac.Sum(nil)) {
		return Client{}, false
	}
	exp := int64(binary.BigEndian.Uint64(payload))
	if r.cfg.Now().Unix() >= exp {
		return Client{}, false
	}
	c, ok := r.snap.Load().byID[string(payload[9:])]
	if !ok {
		return Client{}, false
	}
	c.Scope &= Scope(payload[8])
	return c, true
}

// bucket is one client's token bucket.
type bucket struct {
	tokens float64
	last   time.Time
}

// Allow takes one request from the client's bucket; when it is empty it
// returns false and how long until the next request is allowed.
func (r *Registry) Allow(id string) (bool, time.Duration) {
	if r.cfg.Rate < 0 {
		return true, 0
	}
	now := r.cfg.Now()
	r.mu.Lock()
	defer r.mu.Unlock()
	b, ok := r.buckets[id]
	if !ok {
		if _, known := r.snap.Load().byID[id]; !known {
			return true, 0 // nothing to charge; the caller refuses it anyway
		}
		b = &bucket{tokens: float64(r.cfg.Burst), last: now}
		r.buckets[id] = b
	}
	b.tokens = math.Min(float64(r.cfg.Burst), b.tokens+now.Sub(b.last).Seconds()*r.cfg.Rate)
	b.last = now
	if b.tokens >= 1 {
		b.tokens--
		return true, 0
	}
	wait := time.Duration((1 - b.tokens) / r.cfg.Rate * float64(time.Second))
	return false, wait
}
