// Package httpapi is the local HTTP API: the original SentryPeer's
// endpoints (/health-check, /ip-addresses, /numbers), ours under /api/v1/
// (described by the OpenAPI document it serves at /api/v1/openapi.json),
// Prometheus /metrics, and the dashboard at /.
//
// Answers about IPs and numbers come from the in-memory index, events from
// the store, live events from the fan-out hub; the package only reads from
// them. With a key configured, every request except the dashboard's static
// files must carry it as "Authorization: Bearer KEY" or "X-Api-Key: KEY";
// keys are compared in constant time.
package httpapi

import (
	"context"
	"net/http"
	"net/netip"
	"strings"
	"time"

	"github.com/sentrypeer/sentrypeer/internal/index"
	"github.com/sentrypeer/sentrypeer/internal/live"
	"github.com/sentrypeer/sentrypeer/internal/store"
)

// Index answers questions about IPs and numbers; *index.Index is one.
type Index interface {
	CheckIP(ip netip.Addr) (index.Entry, bool)
	CheckNumber(number string) (index.Entry, bool)
	IPs(l index.List) (int, []index.Entry)
	Numbers(l index.List) (int, []index.Entry)
	AllIPs() []index.Entry
	AllNumbers() []index.Entry
	Stats(top int) index.Stats
}

// Events reads stored events; *store.Store is one.
type Events interface {
	Page(ctx context.Context, q store.Query) (store.Page, error)
}

// Live hands out subscriptions to new events; *live.Hub is one.
type Live interface {
	Subscribe(buf int) (*live.Sub, func())
}

// Config configures [New]. Nil sources leave their routes out.
type Config struct {
	// Key, when set, is required of every API request.
	Key string
	// Version is reported by /health-check.
	Version string
	Index   Index
	Events  Events
	Live    Live
	// OpenAPI is served at /api/v1/openapi.json.
	OpenAPI []byte
	// Dashboard serves / and /assets/ without the key: it holds no data,
	// and asks for the key itself.
	Dashboard http.Handler
	// Metrics serves /metrics.
	Metrics http.Handler
	// Instrument wraps each route's handler, e.g. to count requests; nil
	// leaves handlers as they are.
	Instrument func(route string, h http.Handler) http.Handler
	// Timeout bounds every handler but the event stream; 0 means 10 s.
	Timeout time.Duration
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// api holds what the handlers share.
type api struct {
	cfg Config
}

// maxRequestBody: the API only reads; a body is refused past this.
const maxRequestBody = 1 << 10

// New returns the API's handler.
func New(cfg Config) http.Handler {
	if cfg.Timeout <= 0 {
		cfg.Timeout = 10 * time.Second
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	a := &api{cfg: cfg}
	mux := http.NewServeMux()
	// route serves pattern (a path) for GET and HEAD under the handler
	// timeout, and answers 405 to other methods.
	route := func(pattern string, h http.Handler, stream bool) {
		if !stream {
			h = withTimeout(h, cfg.Timeout)
		}
		if cfg.Instrument != nil {
			h = cfg.Instrument(pattern, h)
		}
		mux.Handle("GET "+pattern, h)
		mux.Handle(pattern, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Allow", "GET, HEAD")
			if strings.HasPrefix(pattern, "/api/") {
				writeJSON(w, http.StatusMethodNotAllowed, apiError{Error: "method not allowed"})
				return
			}
			writeJSON(w, http.StatusMethodNotAllowed, message{"method not allowed"})
		}))
	}
	route("/health-check", healthCheck(cfg.Version), false)
	if cfg.Metrics != nil {
		route("/metrics", cfg.Metrics, false)
	}
	if cfg.OpenAPI != nil {
		route("/api/v1/openapi.json", http.HandlerFunc(a.openAPI), false)
	}
	if cfg.Index != nil {
		route("/ip-addresses", http.HandlerFunc(a.originalIPs), false)
		route("/ip-addresses/{ip}", http.HandlerFunc(a.originalIP), false)
		route("/numbers", http.HandlerFunc(a.originalNumbers), false)
		route("/numbers/{number}", http.HandlerFunc(a.originalNumber), false)
		route("/api/v1/ip-addresses", http.HandlerFunc(a.listIPs), false)
		route("/api/v1/numbers", http.HandlerFunc(a.listNumbers), false)
		route("/api/v1/check/ip/{ip}", http.HandlerFunc(a.checkIP), false)
		route("/api/v1/check/number/{number}", http.HandlerFunc(a.checkNumber), false)
		route("/api/v1/stats", http.HandlerFunc(a.stats), false)
		route("/api/v1/export", http.HandlerFunc(a.export), false)
	}
	if cfg.Events != nil {
		route("/api/v1/events", http.HandlerFunc(a.events), false)
	}
	if cfg.Live != nil {
		route("/api/v1/events/stream", http.HandlerFunc(a.stream), true)
	}
	notFound := http.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusNotFound, message{"Not Found"})
	}))
	if cfg.Instrument != nil {
		notFound = cfg.Instrument("other", notFound)
	}
	mux.Handle("/", notFound)
	apiNotFound := http.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusNotFound, apiError{Error: "no such endpoint: " + r.URL.Path})
	}))
	if cfg.Instrument != nil {
		apiNotFound = cfg.Instrument("other", apiNotFound)
	}
	mux.Handle("/api/", apiNotFound)
	var h http.Handler = mux
	if cfg.Key != "" {
		h = requireKey(cfg.Key, h)
	}
	h = limitBody(h)
	if cfg.Dashboard == nil {
		return h
	}
	// The dashboard's files bypass the key; everything else goes through it.
	top := http.NewServeMux()
	dash := cfg.Dashboard
	if cfg.Instrument != nil {
		dash = cfg.Instrument("/", dash)
	}
	top.Handle("GET /{$}", dash)
	top.Handle("GET /assets/", dash)
	top.Handle("/", h)
	return top
}

// Server returns an http.Server for h with timeouts, so that a slow or
// hostile client cannot hold connections open. The event stream lifts the
// write timeout for its own connection.
func Server(h http.Handler) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       10 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       60 * time.Second,
		MaxHeaderBytes:    16 << 10,
	}
}

func (a *api) openAPI(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	w.Write(a.cfg.OpenAPI)
}

func limitBody(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ContentLength > maxRequestBody {
			writeJSON(w, http.StatusRequestEntityTooLarge, apiError{Error: "request body too large"})
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, maxRequestBody)
		next.ServeHTTP(w, r)
	})
}

// withTimeout answers 503 with a JSON error when h takes longer than d. The
// timeout's answer goes out with the headers set before h ran, so the
// Content-Type is set first; h's own headers replace it when h finishes.
func withTimeout(h http.Handler, d time.Duration) http.Handler {
	th := http.TimeoutHandler(h, d, `{"error":"the request took too long"}`)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		th.ServeHTTP(w, r)
	})
}
