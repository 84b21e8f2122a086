package crowdsec

import (
	"cmp"
	"encoding/json"
	"errors"
	"io/fs"
	"log/slog"
	"net/http"
	"os"
	"slices"
	"sync"
	"time"

	"github.com/sentrypeer/sentrypeer/internal/decision"
)

// Decisions is the set of what to block; *decision.Engine is one.
type Decisions interface {
	// Snapshot returns every decision. It is called once per pull, so it
	// must be safe for concurrent use and return a copy.
	Snapshot() []decision.Decision
}

var _ Decisions = (*decision.Engine)(nil)

// Config configures [New].
type Config struct {
	// Decisions is the set served. Required.
	Decisions Decisions
	// KeysFile is the bouncers' key file, DATA-DIR/[KeysFile]. Required.
	// A missing file holds no bouncers; it is read again within about a
	// second of changing.
	KeysFile string
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Logger gets the package's debug and warning logs; nil discards them.
	Logger *slog.Logger
}

// keysCheck is how often, at most, the key file is looked at.
const keysCheck = time.Second

// Handler serves the LAPI decision endpoints under /v1/. It is safe for
// concurrent use; pulls of one bouncer are served one at a time, pulls of
// different bouncers in parallel.
type Handler struct {
	cfg Config
	log *slog.Logger
	mux *http.ServeMux

	keysMu  sync.Mutex
	checked time.Time   // when the key file was last looked at
	info    fs.FileInfo // of the key file last read; nil: none
	keys    map[string]Bouncer

	mu    sync.Mutex
	peers map[string]*peer // by key hash
}

var _ http.Handler = (*Handler)(nil)

// peer is what the handler knows of one bouncer.
type peer struct {
	name string

	mu   sync.Mutex      // serialises the bouncer's pulls
	held map[string]held // what it was last sent; nil before its first pull

	// Under Handler.mu.
	lastPull  time.Time
	userAgent string
	remote    string
	holds     int
}

// ErrConfig: a [Config] without its required fields.
var ErrConfig = errors.New("crowdsec: Config needs Decisions and KeysFile")

// New returns the handler for cfg, having read the key file once. It
// starts no goroutines: the key file is looked at again during requests.
func New(cfg Config) (*Handler, error) {
	if cfg.Decisions == nil || cfg.KeysFile == "" {
		return nil, ErrConfig
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	h := &Handler{cfg: cfg, log: cfg.Logger.With("component", "crowdsec"), peers: map[string]*peer{}}
	fi, err := os.Stat(cfg.KeysFile)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	bs, err := LoadBouncers(cfg.KeysFile)
	if err != nil {
		return nil, err
	}
	h.checked, h.info, h.keys = cfg.Now(), fi, byHash(bs)
	h.mux = http.NewServeMux()
	h.mux.HandleFunc("GET /v1/decisions/stream", h.stream)
	h.mux.HandleFunc("/v1/decisions/stream", methodNotAllowed)
	h.mux.HandleFunc("GET /v1/decisions", h.decisions)
	h.mux.HandleFunc("/v1/decisions", methodNotAllowed)
	h.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeMessage(w, http.StatusNotFound, "not found")
	})
	return h, nil
}

// ServeHTTP serves GET (and HEAD) /v1/decisions/stream and /v1/decisions;
// every other path is 404. Mount it for "/v1/" on the API's mux, without
// stripping the prefix and outside the API's own key check: bouncers
// authenticate with their own keys.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) { h.mux.ServeHTTP(w, r) }

func byHash(bs []Bouncer) map[string]Bouncer {
	m := make(map[string]Bouncer, len(bs))
	for _, b := range bs {
		m[b.KeySHA256] = b
	}
	return m
}

// authenticate finds the bouncer whose key the request carries in
// X-Api-Key, or answers 403 as LAPI does.
func (h *Handler) authenticate(w http.ResponseWriter, r *http.Request) (*peer, bool) {
	key := r.Header.Get("X-Api-Key")
	if key == "" {
		writeMessage(w, http.StatusForbidden, "access forbidden")
		return nil, false
	}
	hash := hashKey(key)
	h.refreshKeys(false)
	h.keysMu.Lock()
	b, ok := h.keys[hash]
	h.keysMu.Unlock()
	if !ok {
		// A key added a moment ago must work on its bouncer's first pull
		// (the firewall bouncer exits when that fails): look again now.
		// This costs a stat per refused request, and a read only when
		// the file changed.
		h.refreshKeys(true)
		h.keysMu.Lock()
		b, ok = h.keys[hash]
		h.keysMu.Unlock()
	}
	if !ok {
		h.log.Debug("bouncer key refused", "remote", r.RemoteAddr)
		writeMessage(w, http.StatusForbidden, "access forbidden")
		return nil, false
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	p := h.peers[hash]
	if p == nil {
		p = &peer{name: b.Name}
		h.peers[hash] = p
	}
	return p, true
}

// refreshKeys reads the key file again if it changed, looking at most
// once per keysCheck unless force. A file that cannot be read or parsed
// leaves the keys as they were, with a warning.
func (h *Handler) refreshKeys(force bool) {
	h.keysMu.Lock()
	defer h.keysMu.Unlock()
	now := h.cfg.Now()
	if d := now.Sub(h.checked); !force && d >= 0 && d < keysCheck {
		return
	}
	h.checked = now
	fi, err := os.Stat(h.cfg.KeysFile)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		if h.info != nil {
			h.log.Warn("bouncer key file is gone; refusing every bouncer", "file", h.cfg.KeysFile)
		}
		h.info, h.keys = nil, map[string]Bouncer{}
		h.prune()
		return
	case err != nil:
		h.log.Warn("checking bouncer key file failed; keeping the keys read before", "err", err)
		return
	case h.info != nil && os.SameFile(fi, h.info) && fi.ModTime().Equal(h.info.ModTime()) && fi.Size() == h.info.Size():
		return
	}
	h.info = fi // warn once per change of the file, not every second
	bs, err := LoadBouncers(h.cfg.KeysFile)
	if err != nil {
		h.log.Warn("reading bouncer key file failed; keeping the keys read before", "err", err)
		return
	}
	h.keys = byHash(bs)
	h.prune()
	h.log.Info("bouncer keys loaded", "file", h.cfg.KeysFile, "bouncers", len(bs))
}

// prune forgets the bouncers whose keys are gone. h.keysMu is held.
func (h *Handler) prune() {
	h.mu.Lock()
	defer h.mu.Unlock()
	for hash := range h.peers {
		if _, ok := h.keys[hash]; !ok {
			delete(h.peers, hash)
		}
	}
}

// record notes a bouncer's pull; holds < 0 leaves its count as it was.
func (h *Handler) record(p *peer, r *http.Request, now time.Time, holds int) {
	h.mu.Lock()
	defer h.mu.Unlock()
	p.lastPull, p.userAgent, p.remote = now, r.UserAgent(), r.RemoteAddr
	if holds >= 0 {
		p.holds = holds
	}
}

// Status is what the daemon knows of one bouncer. LastPull, UserAgent,
// Remote and Holds are kept in memory only: they are zero until the
// bouncer's first request since the daemon started.
type Status struct {
	Name      string    `json:"name"`
	Created   time.Time `json:"created"`
	LastPull  time.Time `json:"last_pull,omitzero"`
	UserAgent string    `json:"user_agent,omitempty"`
	Remote    string    `json:"remote,omitempty"`
	// Holds is how many decisions the bouncer was sent and holds, by its
	// last stream pull.
	Holds int `json:"holds"`
}

// Bouncers returns the registered bouncers, by name, as of the key file's
// last reading.
func (h *Handler) Bouncers() []Status {
	h.refreshKeys(false)
	h.keysMu.Lock()
	out := make([]Status, 0, len(h.keys))
	h.mu.Lock()
	for hash, b := range h.keys {
		s := Status{Name: b.Name, Created: b.Created}
		if p := h.peers[hash]; p != nil {
			s.LastPull, s.UserAgent, s.Remote, s.Holds = p.lastPull, p.userAgent, p.remote, p.holds
		}
		out = append(out, s)
	}
	h.mu.Unlock()
	h.keysMu.Unlock()
	slices.SortFunc(out, func(a, b Status) int { return cmp.Compare(a.Name, b.Name) })
	return out
}

// message is LAPI's error body.
type message struct {
	Message string `json:"message"`
}

func writeMessage(w http.ResponseWriter, code int, msg string) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(code)
	json.NewEncoder(w).Encode(message{msg})
}

func methodNotAllowed(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Allow", "GET, HEAD")
	writeMessage(w, http.StatusMethodNotAllowed, "method not allowed")
}
