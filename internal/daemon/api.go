package daemon

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/sentrypeer/sentrypeer/internal/apidoc"
	"github.com/sentrypeer/sentrypeer/internal/event"
	"github.com/sentrypeer/sentrypeer/internal/history"
	"github.com/sentrypeer/sentrypeer/internal/httpapi"
	"github.com/sentrypeer/sentrypeer/internal/metrics"
	"github.com/sentrypeer/sentrypeer/internal/siplisten"
	"github.com/sentrypeer/sentrypeer/internal/store"
	"github.com/sentrypeer/sentrypeer/internal/web"
)

// apiServer is the local API, bound at start-up so that a busy port stops
// the daemon instead of leaving it without its API.
type apiServer struct {
	ln  net.Listener
	srv *http.Server
}

// registerMetrics exports every component's counters.
func registerMetrics(m *metrics.Metrics, bus *event.Bus, st *store.Store, sinks *sinkSet, lis *listenerSet, peers *peerSet, blockers *blockerSet, agent *sipAgent) error {
	errs := []error{m.RegisterBus(bus), m.RegisterStore(st), m.RegisterListener(lis.server), m.RegisterDecisions(sinks.decisions),
		m.RegisterBlockers(blockers, blockers.drops())}
	if lis.responder != nil {
		errs = append(errs, m.RegisterResponder(lis.responder))
	}
	if agent != nil {
		errs = append(errs, m.RegisterSIPAgent(agent.agent))
	}
	if blockers.bgp != nil {
		errs = append(errs, m.RegisterBGP(blockers.bgp))
	}
	if sinks.json != nil {
		errs = append(errs, m.RegisterJSONLog(sinks.json))
	}
	if sinks.syslog != nil {
		errs = append(errs, m.RegisterSyslog(sinks.syslog))
	}
	if sinks.index != nil {
		errs = append(errs, m.RegisterIndex(sinks.index))
	}
	if sinks.live != nil {
		errs = append(errs, m.RegisterLive(sinks.live))
	}
	if peers != nil {
		errs = append(errs, m.RegisterP2P(peers.node), m.RegisterShare(peers.agg))
	}
	return errors.Join(errs...)
}

func (d *Daemon) openAPI(ctx context.Context, m *metrics.Metrics, st *store.Store, sinks *sinkSet, peers *peerSet, blockers *blockerSet) (*apiServer, error) {
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", d.cfg.APIListen.String())
	if err != nil {
		return nil, fmt.Errorf("listening for the API on %s: %w", d.cfg.APIListen, err)
	}
	var p httpapi.Peers
	// A node that does not share still answers what peers reported
	// before it stopped; usually nothing.
	reports := history.New(st, nil, d.cfg.MaxAge, d.logger.With("component", "history"))
	if peers != nil {
		p, reports = peers.node, peers.history
	}
	admin, err := d.adminKey()
	if err != nil {
		ln.Close()
		return nil, err
	}
	var lapi http.Handler
	if blockers.lapi != nil {
		lapi = blockers.lapi
	}
	var bgpStatus httpapi.BGP
	if blockers.bgp != nil {
		bgpStatus = blockers.bgp
	}
	h := httpapi.New(httpapi.Config{
		BGP:           bgpStatus,
		LAPI:          lapi,
		Decisions:     sinks.decisions,
		DecisionStats: sinks.decisions,
		Blockers:      blockers,
		AdminKey:      admin,
		Peers:         p,
		Reports:       reports,
		Key:           d.cfg.APIKey,
		Version:       d.info.Version,
		Index:         sinks.index,
		Events:        st,
		Live:          sinks.live,
		OpenAPI:       apidoc.JSON(),
		Dashboard:     web.Handler(),
		Metrics:       m.Handler(),
		Instrument:    m.Instrument,
	})
	return &apiServer{ln: ln, srv: httpapi.Server(h)}, nil
}

// serve runs until ctx is cancelled, then shuts down gracefully.
func (a *apiServer) serve(ctx context.Context) error {
	// Requests see ctx, so that event streams end at shutdown instead of
	// holding it up.
	a.srv.BaseContext = func(net.Listener) context.Context { return ctx }
	stop := context.AfterFunc(ctx, func() {
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		a.srv.Shutdown(sctx)
	})
	defer stop()
	if err := a.srv.Serve(a.ln); !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serving the API: %w", err)
	}
	return nil
}

var _ metrics.ListenerStats = (*siplisten.Server)(nil)
