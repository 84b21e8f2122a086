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
//
// It also speaks SentryPeerHQ's API (hq.go): OAuth2 client credentials at
// POST /oauth/token (clients from internal/clients), GET
// /api/ip-addresses/{ip} and /api/phone-numbers/{number} (200 for a
// decision, 404 otherwise, as CGRateS's *sentrypeer filter expects) and
// POST /api/events. A client's token opens every read (scope read) and
// POST /api/events (scope report); with clients and no key, every request
// but the dashboard's files and /health-check needs a credential.
package httpapi

import (
	"context"
	"net/http"
	"net/netip"
	"strings"
	"sync"
	"time"

	"github.com/sentrypeer/sentrypeer/internal/clients"
	"github.com/sentrypeer/sentrypeer/internal/decision"
	"github.com/sentrypeer/sentrypeer/internal/index"
	"github.com/sentrypeer/sentrypeer/internal/live"
	"github.com/sentrypeer/sentrypeer/internal/store"
)

// Index answers questions about IPs and numbers; *index.Index is one.
type Index interface {
	SummaryIP(ip netip.Addr) (index.Summary, bool)
	SummaryNumber(number string) (index.Summary, bool)
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
	// Reports reads peers' records; nil leaves its route out.
	Reports Reports
	// Peers is the peer-to-peer node; nil when the node does not share
	// (/api/v1/peers then says so).
	Peers Peers
	// Decisions is the set every blocker follows; nil leaves its routes
	// out. Changing it needs AdminKey or Key.
	Decisions Decisions
	// BGP is the blackhole speaker; nil leaves /api/v1/bgp out.
	BGP BGP
	// DecisionStats and Blockers feed /api/v1/blocking; nil
	// DecisionStats leaves it out, nil Blockers reports none.
	DecisionStats DecisionStats
	Blockers      Blockers
	// AdminKey is the credential for writes (DATA-DIR/admin.key); it also
	// opens every read.
	AdminKey string
	// Clients are the OAuth2 clients (DATA-DIR/clients.db); nil leaves
	// out /oauth/token and POST /api/events.
	Clients Clients
	// Reported takes what clients post to /api/events; nil leaves the
	// route out.
	Reported Reported
	// RequireCredentials: never serve without a credential, even with no
	// Key and no client left (the last one deleted while the API listens
	// off loopback).
	RequireCredentials bool
	// LAPI serves CrowdSec's bouncer endpoints under /v1/, which check
	// their own bouncer keys; nil leaves them out.
	LAPI http.Handler
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
	cfg     Config
	buffers sync.Pool // of *[]byte, for answers written by hand
}

// maxRequestBody: the API mostly reads; a body is refused past this, but
// for POST /api/events (maxEventsBody).
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
	a.buffers.New = func() any { b := make([]byte, 0, 256); return &b }
	mux := http.NewServeMux()
	auth := func(h http.Handler) http.Handler { return a.authorize(clients.Read, h) }
	instrument := func(route string, h http.Handler) http.Handler {
		if cfg.Instrument == nil {
			return h
		}
		return cfg.Instrument(route, h)
	}
	// route serves pattern (a path) for GET and HEAD, and answers 405 to
	// other methods. Handlers that read the store run under a deadline;
	// those answered from memory finish in microseconds to milliseconds and
	// are bounded by the server's write timeout alone.
	const (
		fromMemory = iota
		fromStore
		streaming
	)
	route := func(pattern string, h http.Handler, kind int) {
		if kind == fromStore {
			h = withDeadline(h, cfg.Timeout)
		}
		mux.Handle("GET "+pattern, auth(instrument(pattern, h)))
		mux.Handle(pattern, auth(methodNotAllowed(strings.HasPrefix(pattern, "/api/"))))
	}
	route("/health-check", healthCheck(cfg.Version), fromMemory)
	if cfg.Metrics != nil {
		route("/metrics", cfg.Metrics, fromMemory)
	}
	if cfg.OpenAPI != nil {
		route("/api/v1/openapi.json", http.HandlerFunc(a.openAPI), fromMemory)
	}
	if cfg.Index != nil {
		route("/ip-addresses", http.HandlerFunc(a.originalIPs), fromMemory)
		route("/ip-addresses/{ip}", http.HandlerFunc(a.originalIP), fromMemory)
		route("/numbers", http.HandlerFunc(a.originalNumbers), fromMemory)
		route("/numbers/{number}", http.HandlerFunc(a.originalNumber), fromMemory)
		route("/api/v1/ip-addresses", listIPs(cfg.Index), fromMemory)
		route("/api/v1/numbers", listNumbers(cfg.Index), fromMemory)
		route("/api/v1/check/ip/{ip}", http.HandlerFunc(a.checkIP), fromMemory)
		route("/api/v1/check/number/{number}", http.HandlerFunc(a.checkNumber), fromMemory)
		route("/api/v1/stats", http.HandlerFunc(a.stats), fromMemory)
		route("/api/v1/export", http.HandlerFunc(a.export), fromMemory)
	}
	if cfg.Events != nil {
		route("/api/v1/events", http.HandlerFunc(a.events), fromStore)
	}
	if cfg.Reports != nil {
		route("/api/v1/reports/ip/{ip}", http.HandlerFunc(a.reports), fromStore)
	}
	route("/api/v1/peers", http.HandlerFunc(a.peers), fromMemory)
	if cfg.Decisions != nil {
		admin := func(h http.HandlerFunc) http.Handler {
			return auth(instrument("/api/v1/decisions", requireAdmin(cfg.Key, cfg.AdminKey, h)))
		}
		mux.Handle("GET /api/v1/decisions", auth(instrument("/api/v1/decisions", http.HandlerFunc(a.listDecisions))))
		mux.Handle("POST /api/v1/decisions", admin(a.addDecision))
		mux.Handle("DELETE /api/v1/decisions/{value...}", admin(a.deleteDecision))
		mux.Handle("/api/v1/decisions", auth(methodNotAllowedFor("GET, HEAD, POST")))
		mux.Handle("/api/v1/decisions/{value...}", auth(methodNotAllowedFor("DELETE")))
	}
	if l, ok := cfg.Decisions.(decisionLookup); ok {
		route("/api/ip-addresses", a.hqList(decision.IP, decision.Net), fromMemory)
		route("/api/ip-addresses/{ip}", a.hqIP(l), fromMemory)
		route("/api/phone-numbers", a.hqList(decision.Number), fromMemory)
		route("/api/phone-numbers/{number}", a.hqNumber(l), fromMemory)
	}
	if cfg.Clients != nil {
		// The token endpoint checks the client's own credentials.
		mux.Handle("POST /oauth/token", instrument("/oauth/token", http.HandlerFunc(a.token)))
		mux.Handle("/oauth/token", methodNotAllowedMessage("POST"))
		if cfg.Reported != nil {
			mux.Handle("POST /api/events", a.requireClient(clients.Report,
				instrument("/api/events", withDeadline(http.HandlerFunc(a.postEvents), cfg.Timeout))))
			mux.Handle("/api/events", auth(methodNotAllowedMessage("POST")))
		}
	}
	if cfg.DecisionStats != nil {
		route("/api/v1/blocking", http.HandlerFunc(a.blocking), fromMemory)
	}
	if cfg.BGP != nil {
		route("/api/v1/bgp", http.HandlerFunc(a.bgpStatus), fromMemory)
	}
	if cfg.LAPI != nil {
		// Bouncers carry their own keys, not the API's.
		mux.Handle("GET /v1/decisions", instrument("/v1/decisions", cfg.LAPI))
		mux.Handle("GET /v1/decisions/stream", instrument("/v1/decisions/stream", cfg.LAPI))
	}
	if cfg.Live != nil {
		route("/api/v1/events/stream", http.HandlerFunc(a.stream), streaming)
	}
	mux.Handle("/", auth(instrument("other", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusNotFound, message{"Not Found"})
	}))))
	mux.Handle("/api/", auth(instrument("other", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusNotFound, apiError{Error: "no such endpoint: " + r.URL.Path})
	}))))
	if cfg.Dashboard != nil {
		// The dashboard's files need no key: they hold no data, and the
		// page asks for the key itself.
		dash := instrument("/", cfg.Dashboard)
		mux.Handle("GET /{$}", dash)
		mux.Handle("GET /assets/", dash)
	}
	return limitBody(mux)
}

func methodNotAllowedFor(allow string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Allow", allow)
		writeJSON(w, http.StatusMethodNotAllowed, apiError{Error: "method not allowed"})
	})
}

func methodNotAllowed(v1 bool) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Allow", "GET, HEAD")
		if v1 {
			writeJSON(w, http.StatusMethodNotAllowed, apiError{Error: "method not allowed"})
			return
		}
		writeJSON(w, http.StatusMethodNotAllowed, message{"method not allowed"})
	})
}

// withDeadline gives h's request a context that ends after d; h answers
// 503 when it sees it end (see [api.events]).
func withDeadline(h http.Handler, d time.Duration) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), d)
		defer cancel()
		h.ServeHTTP(w, r.WithContext(ctx))
	})
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

// limitBody refuses request bodies over maxRequestBody; the API reads
// none, but a client must not make the server read megabytes to find out.
func limitBody(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		limit := int64(maxRequestBody)
		if r.URL.Path == "/api/events" {
			limit = maxEventsBody
		}
		if r.ContentLength > limit {
			if strings.HasPrefix(r.URL.Path, "/api/v1/") {
				writeJSON(w, http.StatusRequestEntityTooLarge, apiError{Error: "request body too large"})
			} else {
				writeJSON(w, http.StatusRequestEntityTooLarge, message{"request body too large"})
			}
			return
		}
		if r.Body != nil && r.Body != http.NoBody {
			r.Body = http.MaxBytesReader(w, r.Body, limit)
		}
		next.ServeHTTP(w, r)
	})
}
