package daemon

import (
	"context"
	"crypto/tls"
	"fmt"
	"sync"

	"github.com/sentrypeer/sentrypeer/internal/clients"
	"github.com/sentrypeer/sentrypeer/internal/index"
	"github.com/sentrypeer/sentrypeer/internal/store"
	"github.com/sentrypeer/sentrypeer/internal/tlsconf"
)

// clientSet is the API's OAuth2 clients (DATA-DIR/clients.db): the
// registry the API checks tokens with, and what their reports feed.
type clientSet struct {
	db  *clients.DB
	reg *clients.Registry

	mu      sync.Mutex
	idx     *index.Index
	trusted [][32]byte
}

// apiClients opens the clients database, when the API is on, and refuses
// an API off loopback with neither an API key nor a client.
func (d *Daemon) apiClients(ctx context.Context) (*clientSet, error) {
	cfg := &d.cfg
	if !cfg.APIEnabled() {
		return nil, nil
	}
	db, err := clients.Open(ctx, cfg.DataPath(clients.File))
	if err != nil {
		return nil, err
	}
	cs := &clientSet{db: db}
	cs.reg = clients.New(db, clients.Config{Rate: float64(cfg.APIClientRate), Burst: cfg.APIClientBurst,
		Changed: cs.changed, Logger: d.logger.With("component", "clients")})
	if err := cs.reg.Load(ctx); err != nil {
		db.Close()
		return nil, err
	}
	if !cfg.APIListen.Addr().IsLoopback() && cfg.APIKey == "" && !cs.reg.Any() {
		db.Close()
		return nil, fmt.Errorf("%w: invalid --api-listen %s: the API on a non-loopback address needs an API key (--api-key, --api-key-file or SENTRYPEER_API_KEY) "+
			"or an API client (sentrypeer clients add NAME --data-dir %s), or --no-api", ErrConfig, cfg.APIListen, cfg.DataDir)
	}
	return cs, nil
}

// changed keeps the index's trusted reporters in step with the trusted
// clients.
func (cs *clientSet) changed(all []clients.Client) {
	var keys [][32]byte
	for _, c := range all {
		if c.Trusted {
			keys = append(keys, c.Reporter())
		}
	}
	cs.mu.Lock()
	defer cs.mu.Unlock()
	cs.trusted = keys
	if cs.idx != nil {
		cs.idx.SetTrusted(keys)
	}
}

// attach points the clients' reports at the index and decisions, and has
// the index load the stored ones at start-up, after peers' records.
func (cs *clientSet) attach(st *store.Store, sinks *sinkSet) *reportedEvents {
	if cs == nil {
		return nil
	}
	rep := &reportedEvents{st: st}
	if sinks.index == nil {
		return rep
	}
	cs.mu.Lock()
	cs.idx = sinks.index
	sinks.index.SetTrusted(cs.trusted)
	cs.mu.Unlock()
	rep.to = &enforcedReports{idx: sinks.index, eng: sinks.decisions}
	prev := sinks.indexSink.loadReports
	sinks.indexSink.loadReports = func(ctx context.Context) (int, error) {
		n := 0
		if prev != nil {
			var err error
			if n, err = prev(ctx); err != nil {
				return n, err
			}
		}
		m, err := rep.load(ctx)
		return n + m, err
	}
	return rep
}

func (cs *clientSet) run(ctx context.Context) error {
	if cs == nil {
		return nil
	}
	return cs.reg.Run(ctx)
}

func (cs *clientSet) close() {
	if cs != nil {
		cs.db.Close()
	}
}

// reportedEvents stores what clients post to /api/events and indexes what
// is new, through the path peers' reports take: a quorum of reporters, or
// a trusted one, makes a decision.
type reportedEvents struct {
	st *store.Store
	to *enforcedReports // nil without an index
}

func (r *reportedEvents) Report(ctx context.Context, evs []store.Reported) (int, error) {
	added, err := r.st.AddReported(ctx, evs)
	if err != nil {
		return 0, err
	}
	if r.to != nil && len(added) > 0 {
		reps := make([]index.Report, len(added))
		for i := range added {
			reps[i] = asReport(&added[i])
		}
		r.to.AddReports(reps...)
	}
	return len(added), nil
}

// load indexes the stored reported events, at start-up.
func (r *reportedEvents) load(ctx context.Context) (int, error) {
	batch := make([]index.Report, 0, 1024)
	n := 0
	err := r.st.ScanReported(ctx, func(e *store.Reported) error {
		batch = append(batch, asReport(e))
		if len(batch) == cap(batch) {
			r.to.AddReports(batch...)
			n += len(batch)
			batch = batch[:0]
		}
		return nil
	})
	r.to.AddReports(batch...)
	return n + len(batch), err
}

func asReport(e *store.Reported) index.Report {
	return index.Report{SourceIP: e.SourceIP, Number: e.Number, Method: e.Method, UserAgent: e.UserAgent,
		First: e.Time, Last: e.Time, Count: 1, Reporter: e.Reporter}
}

// apiTLS is the API's TLS configuration; nil for plain HTTP.
func (d *Daemon) apiTLS() (*tls.Config, error) {
	switch {
	case d.cfg.APITLSSelfSigned:
		return selfSigned(d.cfg.DataDir)
	case d.cfg.APITLSCert != "":
		return tlsconf.FromFiles(d.cfg.APITLSCert, d.cfg.APITLSKey)
	}
	return nil, nil
}
