package daemon

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/sentrypeer/sentrypeer/internal/httpapi"
	"github.com/sentrypeer/sentrypeer/internal/store"
	"github.com/sentrypeer/sentrypeer/internal/web"
)

// apiServer is the local API, bound at start-up so that a busy port stops
// the daemon instead of leaving it without its API.
type apiServer struct {
	ln  net.Listener
	srv *http.Server
}

func (d *Daemon) openAPI(ctx context.Context, ms *meters, st *store.Store, sinks *sinkSet, peers *peerSet, blockers *blockerSet,
	cs *clientSet, reported *reportedEvents) (*apiServer, error) {
	tc, err := d.apiTLS()
	if err != nil {
		return nil, err
	}
	loopback := d.cfg.APIListen.Addr().IsLoopback()
	if !loopback && tc == nil {
		d.logger.Warn("the API is served off loopback without TLS: API keys, client secrets and tokens cross the network in clear text; "+
			"give --api-tls-cert and --api-tls-key, or --api-tls-self-signed", "api", d.cfg.APIListen.String())
	}
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", d.cfg.APIListen.String())
	if err != nil {
		return nil, fmt.Errorf("listening for the API on %s: %w", d.cfg.APIListen, err)
	}
	if tc != nil {
		ln = tls.NewListener(ln, tc)
	}
	p, reports := d.peersAPI(peers, st)
	admin, err := d.adminKey()
	if err != nil {
		ln.Close()
		return nil, err
	}
	var bgpStatus httpapi.BGP
	if b, ok := blockers.bgp.(httpapi.BGP); ok {
		bgpStatus = b
	}
	metrics, instrument := ms.api()
	var apiClients httpapi.Clients
	var apiReported httpapi.Reported
	if cs != nil {
		apiClients = cs.reg
	}
	if reported != nil {
		apiReported = reported
	}
	hc := httpapi.Config{
		BGP:           bgpStatus,
		LAPI:          blockers.lapi,
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
		OpenAPI:       openAPIDoc(),
		Dashboard:     web.Handler(),
		Metrics:       metrics,
		Instrument:    instrument,
	}
	hc.Clients, hc.Reported, hc.RequireCredentials = apiClients, apiReported, !loopback
	h := httpapi.New(hc)
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
